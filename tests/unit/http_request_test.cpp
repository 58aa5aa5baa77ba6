#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "shared/http/request.hpp"

using namespace parley::http;
using namespace std::string_literals;

namespace {

ParseStatus parse(std::string_view bytes, Request& r, const Limits& limits = {}) {
    return parse_request_head(bytes, r, limits);
}

ParseStatus parse(std::string_view bytes) {
    Request r;
    return parse(bytes, r);
}

}  // namespace

TEST_CASE("http: a GET head gives its method, target, version and fields") {
    Request r;
    const std::string head =
        "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost:9777\r\n"
        "Accept:  text/plain \t\r\nX-Empty:\r\n\r\n";
    REQUIRE(parse(head, r) == ParseStatus::complete);
    CHECK(r.method == "GET");
    CHECK(r.target == "/metrics?x=1");
    CHECK(r.path() == "/metrics");
    CHECK(r.version_minor == 1);
    CHECK(r.head_size == head.size());
    REQUIRE(r.headers.size() == 3);
    CHECK(r.headers[0].name == "Host");
    CHECK(r.headers[0].value == "localhost:9777");
    CHECK(r.header("accept") == "text/plain");
    CHECK(r.header("x-empty") == "");
    CHECK(!r.header("Cookie"));
    CHECK(r.keep_alive);
    CHECK(!r.has_body());
}

TEST_CASE("http: bytes after the head are left for the next request") {
    Request r;
    const std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string both = first + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(parse(both, r) == ParseStatus::complete);
    CHECK(r.head_size == first.size());
    CHECK(r.target == "/a");
    REQUIRE(parse(std::string_view(both).substr(r.head_size), r) == ParseStatus::complete);
    CHECK(r.target == "/b");
}

TEST_CASE("http: bare LF ends lines as CRLF does; empty lines before the request are skipped") {
    Request r;
    REQUIRE(parse("\r\n\nGET / HTTP/1.0\nA: 1\r\nB: 2\n\n", r) == ParseStatus::complete);
    CHECK(r.target == "/");
    CHECK(r.version_minor == 0);
    CHECK(r.headers.size() == 2);
    CHECK(r.head_size == 30);
}

TEST_CASE("http: every prefix of a valid head is incomplete") {
    const std::string head = "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    for (std::size_t n = 0; n < head.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        CHECK(parse(std::string_view(head).substr(0, n)) == ParseStatus::incomplete);
    }
    CHECK(parse(head) == ParseStatus::complete);
}

TEST_CASE("http: keep-alive follows the version and Connection") {
    Request r;
    REQUIRE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, Close\r\n\r\n", r) ==
            ParseStatus::complete);
    CHECK(!r.keep_alive);
    REQUIRE(parse("GET / HTTP/1.0\r\n\r\n", r) == ParseStatus::complete);
    CHECK(!r.keep_alive);
    REQUIRE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", r) == ParseStatus::complete);
    CHECK(r.keep_alive);
    REQUIRE(parse("GET / HTTP/1.9\r\nHost: a\r\n\r\n", r) == ParseStatus::complete);
    CHECK(r.version_minor == 1);
}

TEST_CASE("http: syntax errors are 400s") {
    for (
        const std::string& bad : {
            "GET /\r\n\r\n"s,                                 // HTTP/0.9
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"s,            // two spaces
            " GET / HTTP/1.1\r\n"s,                           // leading space
            "GET / HTTP/1.1 \r\n"s,                           // trailing space
            "G(T / HTTP/1.1\r\n"s,                            // not a token
            "GET a HTTP/1.1\r\nHost: a\r\n\r\n"s,             // not a target form
            "GET /\x7f HTTP/1.1\r\n"s,                        // control in the target
            "GET / HTTP/1.1\rHost: a\r\n\r\n"s,               // bare CR
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n"s,            // space before the colon
            "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"s,  // obs-fold
            "GET / HTTP/1.1\r\nNoColon\r\n\r\n"s,
            "GET / HTTP/1.1\r\n: empty\r\n\r\n"s,
            "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"s,  // NUL in a value
            "GET / HTTP/1.1\r\n\r\n"s,                // no Host
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"s,
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n"s,
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n"s,
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"s,
            "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"s,
            "GET / HTTP/1.x\r\n"s,
            "GET / HTTPS/1.1\r\n"s,
            "GET / HTTP/1.10\r\n"s,
            "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s,  // a TLS ClientHello
        }) {
        INFO(bad);
        CHECK(parse(bad) == ParseStatus::bad_request);
        CHECK(status_of(parse(bad)) == 400);
    }
}

TEST_CASE("http: an error is seen as soon as its bytes are") {
    CHECK(parse("G(") == ParseStatus::bad_request);
    CHECK(parse("GET /a\x01") == ParseStatus::bad_request);
    CHECK(parse("GET / HTTP/2") == ParseStatus::incomplete);  // 505 once the line is whole
    CHECK(parse("GET / HTTQ") == ParseStatus::bad_request);
    CHECK(parse("GET / HTTP/1.1\r\nBad Name") == ParseStatus::bad_request);
}

TEST_CASE("http: limits map to 414, 431, 501 and 505") {
    const Limits limits{.max_head = 256, .max_headers = 3, .max_target = 64, .max_method = 8};
    Request r;
    CHECK(parse("GET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", r, limits) ==
          ParseStatus::uri_too_long);
    // Known before the line ends.
    CHECK(parse("GET /" + std::string(64, 'a'), r, limits) == ParseStatus::uri_too_long);
    CHECK(status_of(ParseStatus::uri_too_long) == 414);

    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", r, limits) ==
          ParseStatus::complete);
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC", r, limits) ==
          ParseStatus::header_fields_too_large);
    const std::string big = "GET / HTTP/1.1\r\nHost: " + std::string(300, 'a');
    CHECK(parse(big, r, limits) == ParseStatus::header_fields_too_large);
    CHECK(parse(big.substr(0, 255), r, limits) == ParseStatus::incomplete);
    CHECK(parse(big.substr(0, 256), r, limits) == ParseStatus::header_fields_too_large);
    CHECK(parse(std::string(300, '\n'), r, limits) == ParseStatus::header_fields_too_large);
    CHECK(status_of(ParseStatus::header_fields_too_large) == 431);

    CHECK(parse("VERYLONGMETHOD / HTTP/1.1\r\n", r, limits) == ParseStatus::method_not_implemented);
    CHECK(status_of(ParseStatus::method_not_implemented) == 501);

    CHECK(parse("GET / HTTP/2.0\r\n\r\n", r) == ParseStatus::version_not_supported);
    CHECK(parse("GET / HTTP/0.9\r\n\r\n", r) == ParseStatus::version_not_supported);
    CHECK(status_of(ParseStatus::version_not_supported) == 505);
}

TEST_CASE("http: a head of exactly max_head bytes is taken") {
    const Limits limits{.max_head = 64};
    std::string head = "GET / HTTP/1.1\r\nHost: ";
    head += std::string(64 - head.size() - 4, 'h') + "\r\n\r\n";
    REQUIRE(head.size() == 64);
    Request r;
    CHECK(parse(head + "more", r, limits) == ParseStatus::complete);
    CHECK(r.head_size == 64);
}

TEST_CASE("http: bodies are announced, not read") {
    Request r;
    REQUIRE(parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", r) ==
            ParseStatus::complete);
    CHECK(r.content_length == 5u);
    CHECK(r.has_body());
    REQUIRE(parse("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", r) ==
            ParseStatus::complete);
    CHECK(r.transfer_encoding);
    CHECK(r.has_body());
}

TEST_CASE("http: absolute and asterisk targets") {
    Request r;
    REQUIRE(parse("GET http://h:1/metrics HTTP/1.1\r\nHost: h:1\r\n\r\n", r) ==
            ParseStatus::complete);
    CHECK(r.path() == "/metrics");
    REQUIRE(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", r) == ParseStatus::complete);
    CHECK(r.target == "*");
}

TEST_CASE("http: tokens compare without case") {
    CHECK(equal_nocase("Content-Length", "content-LENGTH"));
    CHECK(!equal_nocase("Host", "Hos"));
    CHECK(has_token("keep-alive, Upgrade", "upgrade"));
    CHECK(!has_token("keep-alive,upgraded", "upgrade"));
}

// Found by fuzz_http_request: the method was too long (501) before a bare CR or a NUL (400)
// came, and the whole line answered 400 where its beginning had answered 501.
TEST_CASE("http: the first problem in the bytes is the one reported") {
    const Limits limits{.max_method = 1};
    Request r;
    CHECK(parse("I*  \rR\n \r", r, limits) == ParseStatus::method_not_implemented);
    CHECK(parse("I*", r, limits) == ParseStatus::method_not_implemented);
    CHECK(parse("PRT\0"s, r, limits) == ParseStatus::method_not_implemented);
    CHECK(parse("P\0"s, r, limits) == ParseStatus::bad_request);
    CHECK(parse("GET / HTTP/1.1\r\nA\rB: c\r\n\r\n") == ParseStatus::bad_request);
    CHECK(parse("GET / HTTP/1.1\r\n\rx") == ParseStatus::bad_request);
}
