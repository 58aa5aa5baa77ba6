// Fuzzes the WebSocket opening handshake (shared/websocket/handshake.hpp): check_upgrade and
// origin_allowed on every request head a browser or anyone else sends to /ws, and
// parse_origin_policy on --http-origin.
//
// Input: a request head (parsed by parse_request_head first, as the server does), then, after
// a NUL byte if there is one, an --http-origin value.
// Checks, beyond crashes and sanitizer reports:
// - check_upgrade answers 101, 400, 405 or 426, with a reason exactly when it refuses; a 101
//   is a GET on HTTP/1.1 with a Sec-WebSocket-Key of 24 characters whose accept_key is the
//   answer (28 characters of base64), and a Sec-WebSocket-Version of 13;
// - an accepted --http-origin lists only normalised origins (lowercase, explicit port), and
//   those, given again as the policy, parse to the same list;
// - origin_allowed allows every request without an Origin and every one under "*", refuses
//   "Origin: null" unless "*", and allows an origin that is in the list.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/http/request.hpp"
#include "shared/websocket/handshake.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace http = parley::http;
namespace ws = parley::ws;

namespace {

bool lowercase(std::string_view s) {
    for (char c : s) {
        if (c >= 'A' && c <= 'Z') {
            return false;
        }
    }
    return true;
}

void check_policy(std::string_view text) {
    ws::OriginPolicy policy;
    std::string error;
    if (!ws::parse_origin_policy(text, policy, error)) {
        FUZZ_CHECK(!error.empty());
        return;
    }
    std::string again;
    for (const std::string& origin : policy.allowed) {
        FUZZ_CHECK(lowercase(origin));
        FUZZ_CHECK(origin.find("://") != std::string::npos);
        again += again.empty() ? "" : ",";
        again += origin;
    }
    if (!again.empty()) {
        ws::OriginPolicy reparsed;
        FUZZ_CHECK(ws::parse_origin_policy(again, reparsed, error));
        FUZZ_CHECK(reparsed.allowed == policy.allowed);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = in.find('\0');
    const std::string_view head = in.substr(0, nul);
    const std::string_view policy_text =
        nul == std::string_view::npos ? std::string_view("same") : in.substr(nul + 1);
    check_policy(policy_text);

    http::Request request;
    if (http::parse_request_head(head, request) != http::ParseStatus::complete) {
        return 0;
    }
    const ws::UpgradeCheck check = ws::check_upgrade(request);
    FUZZ_CHECK(check.status == 101 || check.status == 400 || check.status == 405 ||
               check.status == 426);
    FUZZ_CHECK(check.problem.empty() == (check.status == 101));
    if (check.status == 101) {
        FUZZ_CHECK(request.method == "GET" && request.version_minor == 1);
        const auto key = request.header("Sec-WebSocket-Key");
        FUZZ_CHECK(key && key->size() == 24);
        FUZZ_CHECK(check.accept.size() == 28 && check.accept == ws::accept_key(*key));
        FUZZ_CHECK(request.header("Sec-WebSocket-Version") == "13");
    } else {
        FUZZ_CHECK(check.accept.empty());
    }

    ws::OriginPolicy policy;
    std::string error;
    if (!ws::parse_origin_policy(policy_text, policy, error)) {
        return 0;
    }
    const bool allowed = ws::origin_allowed(request, policy);
    const auto origin = request.header("Origin");
    if (!origin || policy.any) {
        FUZZ_CHECK(allowed);
    }
    if (origin && *origin == "null") {
        FUZZ_CHECK(allowed == policy.any);
    }
    // An origin exactly as listed (normalised) is allowed, if it is the only Origin field.
    std::size_t origins = 0;
    for (const http::Header& h : request.headers) {
        origins += http::equal_nocase(h.name, "Origin") ? 1 : 0;
    }
    if (origin && origins == 1) {
        for (const std::string& listed : policy.allowed) {
            if (*origin == listed) {
                FUZZ_CHECK(allowed);
            }
        }
    }
    return 0;
}
