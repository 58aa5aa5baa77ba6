// Fuzzes parse_request_head (shared/http/request.hpp): every byte an HTTP client sends to the
// metrics listener before its head is complete.
//
// Input: the bytes received; the limits (head size, field count, target and method length)
// are read from its end with FuzzedDataProvider, small enough that every limit is crossed.
// Checks, beyond crashes and sanitizer reports:
// - a complete head lies within the buffer and within max_head; its method is a token within
//   max_method, its target visible ASCII within max_target, at most max_headers fields, names
//   tokens, values without CR, LF, NUL or surrounding whitespace; every view points into the
//   buffer; status_of is 200 for it and 400..505 for every refusal, 0 for incomplete;
// - the head alone parses to the same request as the head with the bytes after it
//   (pipelining: what follows a head never changes it);
// - every shorter prefix of a complete head is incomplete, never refused;
// - a prefix refused is refused with the same status whatever follows (an error, once seen,
//   is never undone by more bytes);
// - a complete head written with bare LFs parses to the same request with CRLFs.
//
// Seeds (corpus/http_request): the heads curl 7.88, Prometheus 2.42, Firefox and Chromium
// send for a page, pipelined requests, and the edges of the grammar (LF-only, leading empty
// lines, absolute and asterisk targets, obs-fold, bodies, HTTP/1.0 and HTTP/2.0).

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/http/request.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace http = parley::http;
using http::ParseStatus;
using parley::fuzz::inside;

namespace {

bool tchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool same_request(const http::Request& a, const http::Request& b) {
    if (a.method != b.method || a.target != b.target || a.version_minor != b.version_minor ||
        a.keep_alive != b.keep_alive || a.content_length != b.content_length ||
        a.transfer_encoding != b.transfer_encoding || a.headers.size() != b.headers.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.headers.size(); ++i) {
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) {
            return false;
        }
    }
    return true;
}

void check_complete(std::string_view in, const http::Request& r, const http::Limits& limits) {
    FUZZ_CHECK(r.head_size > 0 && r.head_size <= in.size() && r.head_size <= limits.max_head);
    const std::string_view head = in.substr(0, r.head_size);
    FUZZ_CHECK(head.ends_with('\n'));
    FUZZ_CHECK(inside(r.method, head) && inside(r.target, head));
    FUZZ_CHECK(!r.method.empty() && r.method.size() <= limits.max_method);
    for (char c : r.method) {
        FUZZ_CHECK(tchar(c));
    }
    FUZZ_CHECK(!r.target.empty() && r.target.size() <= limits.max_target);
    for (char c : r.target) {
        FUZZ_CHECK(c > 0x20 && c < 0x7F);
    }
    FUZZ_CHECK(r.target == "*" || r.target.front() == '/' ||
               r.target.find("://") != std::string_view::npos);
    FUZZ_CHECK(r.version_minor <= 1);
    FUZZ_CHECK(r.headers.size() <= limits.max_headers);
    std::size_t hosts = 0;
    for (const http::Header& h : r.headers) {
        FUZZ_CHECK(inside(h.name, head) && inside(h.value, head));
        FUZZ_CHECK(!h.name.empty());
        for (char c : h.name) {
            FUZZ_CHECK(tchar(c));
        }
        FUZZ_CHECK(h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        if (!h.value.empty()) {
            FUZZ_CHECK(h.value.front() != ' ' && h.value.front() != '\t');
            FUZZ_CHECK(h.value.back() != ' ' && h.value.back() != '\t');
        }
        hosts += http::equal_nocase(h.name, "host") ? 1 : 0;
    }
    FUZZ_CHECK(hosts == 1 || (hosts == 0 && r.version_minor == 0));
    FUZZ_CHECK(!(r.transfer_encoding && r.content_length));
    FUZZ_CHECK(r.path().empty() || r.path().front() == '/' || r.path() == "*");
    FUZZ_CHECK(http::status_of(ParseStatus::complete) == 200);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    FuzzedDataProvider fdp(data, size);
    http::Limits limits;
    if (fdp.ConsumeBool()) {
        limits.max_head = fdp.ConsumeIntegralInRange<std::size_t>(1, 512);
        limits.max_headers = fdp.ConsumeIntegralInRange<std::size_t>(0, 8);
        limits.max_target = fdp.ConsumeIntegralInRange<std::size_t>(1, 128);
        limits.max_method = fdp.ConsumeIntegralInRange<std::size_t>(1, 16);
    }
    const std::size_t cut = fdp.ConsumeIntegralInRange<std::size_t>(0, size);

    http::Request r;
    const ParseStatus status = http::parse_request_head(in, r, limits);
    const unsigned code = http::status_of(status);
    if (status == ParseStatus::incomplete) {
        FUZZ_CHECK(code == 0);
        FUZZ_CHECK(in.size() < limits.max_head);
    } else if (status != ParseStatus::complete) {
        FUZZ_CHECK(code >= 400 && code <= 505);
    }

    // A prefix: refused only as the whole is, and incomplete if it is shorter than a head.
    http::Request p;
    const ParseStatus prefix = http::parse_request_head(in.substr(0, cut), p, limits);
    if (prefix != ParseStatus::incomplete && prefix != ParseStatus::complete) {
        FUZZ_CHECK(status == prefix);
    }
    if (status != ParseStatus::complete) {
        return 0;
    }
    check_complete(in, r, limits);
    if (cut < r.head_size) {
        FUZZ_CHECK(prefix == ParseStatus::incomplete);
    } else {
        FUZZ_CHECK(prefix == ParseStatus::complete && same_request(p, r) &&
                   p.head_size == r.head_size);
    }

    // The head alone: what follows it changes nothing.
    const std::string_view head = in.substr(0, r.head_size);
    http::Request alone;
    FUZZ_CHECK(http::parse_request_head(head, alone, limits) == ParseStatus::complete);
    FUZZ_CHECK(same_request(alone, r) && alone.head_size == r.head_size);

    // Bare LFs made CRLFs: the same request, when it still fits.
    if (head.find('\r') == std::string_view::npos) {
        std::string crlf;
        for (char c : head) {
            if (c == '\n') {
                crlf += '\r';
            }
            crlf += c;
        }
        if (crlf.size() <= limits.max_head) {
            http::Request with_cr;
            FUZZ_CHECK(http::parse_request_head(crlf, with_cr, limits) == ParseStatus::complete);
            FUZZ_CHECK(same_request(with_cr, r));
        }
    }
    return 0;
}
