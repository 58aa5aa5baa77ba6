#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "shared/http/request.hpp"
#include "shared/websocket/handshake.hpp"

using namespace parley::ws;
namespace http = parley::http;

namespace {

// A parsed request head, with the bytes its views point into.
struct Head {
    std::string text;
    http::Request request;

    explicit Head(std::string head) : text(std::move(head)) {
        REQUIRE(http::parse_request_head(text, request) == http::ParseStatus::complete);
    }
};

// The handshake Chromium sends (the RFC 6455 example key), with `extra` fields and any field
// named in `without` (a name followed by ':') left out.
std::string handshake(std::string_view extra = "", std::string_view without = "",
                      std::string_view request_line = "GET /ws HTTP/1.1") {
    const std::string fields[] = {
        "Host: localhost:8080",
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Origin: http://localhost:8080",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
    };
    std::string head(request_line);
    head += "\r\n";
    for (const std::string& f : fields) {
        if (without.empty() || !http::equal_nocase(f.substr(0, without.size()), without)) {
            head += f + "\r\n";
        }
    }
    head += extra;
    return head + "\r\n";
}

UpgradeCheck check(const std::string& head) {
    Head h(head);
    return check_upgrade(h.request);
}

bool allowed(std::string_view origin, std::string_view host, const OriginPolicy& policy) {
    std::string head = "GET /ws HTTP/1.1\r\nHost: " + std::string(host) + "\r\n";
    if (!origin.empty()) {
        head += "Origin: " + std::string(origin) + "\r\n";
    }
    Head h(head + "\r\n");
    return origin_allowed(h.request, policy);
}

OriginPolicy policy_of(std::string_view text) {
    OriginPolicy p;
    std::string error;
    REQUIRE(parse_origin_policy(text, p, error));
    CHECK(error.empty());
    return p;
}

}  // namespace

TEST_CASE("websocket: accept_key gives RFC 6455 4.2.2's example") {
    CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // RFC 6455 1.3's handshake example has the same key and answer; another known pair:
    CHECK(accept_key("x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST_CASE("websocket: new_client_key is base64 of 16 random bytes, and accepted") {
    const std::string a = new_client_key();
    const std::string b = new_client_key();
    CHECK(a.size() == 24);
    CHECK(a.ends_with("=="));
    CHECK(a != b);
    const UpgradeCheck c =
        check(handshake("Sec-WebSocket-Key: " + a + "\r\n", "Sec-WebSocket-Key:"));
    CHECK(c.status == 101);
    CHECK(c.accept == accept_key(a));
}

TEST_CASE("websocket: a browser's handshake is upgraded") {
    const UpgradeCheck c = check(handshake());
    CHECK(c.status == 101);
    CHECK(c.problem.empty());
    CHECK(c.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // Firefox: "Connection: keep-alive, Upgrade"; tokens compare without case.
    const std::string firefox = handshake("Connection: keep-alive, Upgrade\r\n", "Connection:");
    CHECK(check(firefox).status == 101);
    CHECK(check(handshake("Connection: UPGRADE\r\nUpgrade: WebSocket\r\n", "Connection:")).status ==
          101);
    CHECK(check(handshake("Upgrade: WebSocket\r\n", "Upgrade:")).status == 101);
    // Connection split over two fields.
    CHECK(check(handshake("Connection: keep-alive\r\nConnection: upgrade\r\n", "Connection:"))
              .status == 101);
}

TEST_CASE("websocket: handshakes refused, with their status") {
    CHECK(check(handshake("", "", "POST /ws HTTP/1.1")).status == 405);
    CHECK(check(handshake("", "", "HEAD /ws HTTP/1.1")).status == 405);
    CHECK(check(handshake("", "", "GET /ws HTTP/1.0")).status == 400);
    CHECK(check(handshake("", "Upgrade:")).status == 400);
    CHECK(check(handshake("Upgrade: h2c\r\n", "Upgrade:")).status == 400);
    CHECK(check(handshake("", "Connection:")).status == 400);
    CHECK(check(handshake("Connection: keep-alive\r\n", "Connection:")).status == 400);
    CHECK(check(handshake("", "Sec-WebSocket-Version:")).status == 400);
    const UpgradeCheck v8 =
        check(handshake("Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Version:"));
    CHECK(v8.status == 426);
    CHECK(!v8.problem.empty());
    CHECK(v8.accept.empty());
    CHECK(check(handshake("Sec-WebSocket-Version: 13\r\n")).status == 426);  // twice
    CHECK(check(handshake("", "Sec-WebSocket-Key:")).status == 400);
    for (std::string key : {"", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA=",
                            "AAAAAAAAAAAAAAAAAAAAAAA=",      // 17 bytes
                            "AAAAAAAAAAAAAAAAAAAA",          // 15 bytes
                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // 21 bytes
                            "AAAAAAAAAAAAAAAAAAAAA*==", "AAAAAAAAAAAAAAAAAAAAA===",
                            "AAAAAAAAAAA AAAAAAAAAA==", "not a key"}) {
        CAPTURE(key);
        const UpgradeCheck c =
            check(handshake("Sec-WebSocket-Key: " + key + "\r\n", "Sec-WebSocket-Key:"));
        CHECK(c.status == 400);
        CHECK(!c.problem.empty());
    }
    CHECK(check(handshake("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n")).status == 400);
    // A key of the right shape that is not the example: accepted.
    CHECK(check(handshake("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n", "Sec-WebSocket-Key:"))
              .status == 101);
}

TEST_CASE("websocket: --http-origin parses same, * and lists of origins") {
    const OriginPolicy same = policy_of("same");
    CHECK(same.same_origin);
    CHECK(!same.any);
    CHECK(same.allowed.empty());

    const OriginPolicy any = policy_of("*");
    CHECK(any.any);
    CHECK(!any.same_origin);

    const OriginPolicy list = policy_of("https://Chat.Example.com, http://localhost:8080");
    CHECK(!list.same_origin);
    CHECK(!list.any);
    CHECK(list.allowed ==
          std::vector<std::string>{"https://chat.example.com:443", "http://localhost:8080"});
    const OriginPolicy both = policy_of("same,http://[::1]:8080,http://a.example:80");
    CHECK(both.same_origin);
    CHECK(both.allowed == std::vector<std::string>{"http://[::1]:8080", "http://a.example:80"});

    for (std::string bad :
         {"", ",", "same,", "chat.example.com", "https://", "https:///",
          "https://chat.example.com/", "https://chat.example.com/path",
          "https://user@chat.example.com", "https://chat.example.com:99999",
          "https://chat.example.com:0", "https://chat.example.com:8x", "https://[::1", "https://[]",
          "https://[::g]", "://x", "1http://x", "null", "sam"}) {
        CAPTURE(bad);
        OriginPolicy p;
        p.any = true;
        std::string error;
        CHECK(!parse_origin_policy(bad, p, error));
        CHECK(!error.empty());
        CHECK(p.any);  // unchanged
    }
}

TEST_CASE("websocket: same-origin compares the Origin's host and port with the Host") {
    const OriginPolicy same = policy_of("same");
    CHECK(allowed("http://localhost:8080", "localhost:8080", same));
    CHECK(allowed("http://LocalHost:8080", "localhost:8080", same));
    CHECK(allowed("http://localhost:8080", "LOCALHOST:8080", same));
    CHECK(allowed("http://chat.example.com", "chat.example.com", same));
    CHECK(allowed("http://chat.example.com:80", "chat.example.com", same));
    CHECK(allowed("http://chat.example.com", "chat.example.com:80", same));
    CHECK(allowed("https://chat.example.com", "chat.example.com", same));  // behind a TLS proxy
    CHECK(allowed("https://chat.example.com", "chat.example.com:443", same));
    CHECK(allowed("http://[::1]:8080", "[::1]:8080", same));
    CHECK(allowed("http://[::1]", "[::1]", same));
    CHECK(allowed("http://127.0.0.1:8080", "127.0.0.1:8080", same));

    CHECK(!allowed("http://chat.example.com", "chat.example.com:443", same));
    CHECK(!allowed("https://chat.example.com", "chat.example.com:80", same));
    CHECK(!allowed("http://localhost:8081", "localhost:8080", same));
    CHECK(!allowed("http://evil.example", "chat.example.com", same));
    CHECK(!allowed("http://chat.example.com.evil.example", "chat.example.com", same));
    CHECK(!allowed("http://[::1]:8080", "[::2]:8080", same));
    CHECK(!allowed("null", "localhost:8080", same));
    CHECK(!allowed("garbage", "localhost:8080", same));
    CHECK(!allowed("http://localhost:8080/", "localhost:8080", same));
    CHECK(!allowed("file://localhost:8080", "localhost:8080", same));
    // No Origin: not a browser, allowed.
    CHECK(allowed("", "localhost:8080", same));
}

TEST_CASE("websocket: listed origins, * and null") {
    const OriginPolicy list = policy_of("https://chat.example.com,http://localhost:3000");
    CHECK(allowed("https://chat.example.com", "backend:8080", list));
    CHECK(allowed("https://CHAT.example.com:443", "backend:8080", list));
    CHECK(allowed("http://localhost:3000", "backend:8080", list));
    CHECK(!allowed("http://chat.example.com", "backend:8080", list));
    CHECK(!allowed("http://localhost:3001", "backend:8080", list));
    // Same-origin is not implied by a list without "same".
    CHECK(!allowed("http://backend:8080", "backend:8080", list));
    CHECK(allowed("http://backend:8080", "backend:8080", policy_of("same,http://localhost:3000")));
    CHECK(!allowed("null", "backend:8080", list));
    CHECK(allowed("", "backend:8080", list));

    const OriginPolicy any = policy_of("*");
    CHECK(allowed("null", "backend:8080", any));
    CHECK(allowed("https://anything.example", "backend:8080", any));
    CHECK(allowed("", "backend:8080", any));

    // Two Origin fields: no browser sends that; refused unless anything goes.
    Head twice("GET /ws HTTP/1.1\r\nHost: a:1\r\nOrigin: http://a:1\r\nOrigin: http://b\r\n\r\n");
    CHECK(!origin_allowed(twice.request, policy_of("same")));
    CHECK(origin_allowed(twice.request, any));
}
