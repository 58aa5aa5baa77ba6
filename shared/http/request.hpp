#pragma once
// An HTTP/1.1 request head (RFC 9112): the request line and the header fields, parsed from the
// bytes a connection has received so far, without a socket.
//
// parse_request_head() is given everything buffered since the last request ended and says
// whether it holds a complete head, needs more bytes, or can be refused already. It keeps no
// state between calls: a connection calls it again when more bytes arrive (a head is bounded by
// Limits::max_head, so parsing it again is cheap). Bytes after the head (a pipelined request)
// are left alone: head_size says where the next request begins.
//
// What it accepts, and what it refuses (the status each error maps to is status_of()):
// - lines end in CRLF or a bare LF (RFC 9112 2.2 allows a recipient to take LF alone); a CR
//   not followed by LF is a 400;
// - empty lines before the request line are skipped (2.2 asks for at least one);
// - the request line is exactly `method SP target SP HTTP/D.D`: one space each, a token for a
//   method (longer than max_method: 501), a target of visible ASCII (longer than max_target:
//   414) in origin form (`/...`), absolute form (`scheme://...`) or `*`; a major version other
//   than 1 is a 505, HTTP/1.x above 1.1 is taken as 1.1 (RFC 9110 6.2);
// - header fields are `token ":" OWS value OWS`; whitespace before the colon and obsolete line
//   folding are 400s (5.1, 5.2), as are control characters in a value; more than max_headers
//   fields, or a head longer than max_head in all, is a 431;
// - HTTP/1.1 needs exactly one Host field, and HTTP/1.0 at most one (RFC 9112 3.2); a
//   Content-Length must be digits, and several must agree; Transfer-Encoding together with
//   Content-Length, or in an HTTP/1.0 request, is a 400 (6.1: request smuggling).
//
// An error is decided by the bytes already seen, so more bytes never undo it, and a head that
// parses complete is `incomplete`, never an error, at every shorter prefix.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace parley::http {

struct Limits {
    std::size_t max_head = 8192;   // bytes of the whole head, leading empty lines included
    std::size_t max_headers = 64;  // header fields
    std::size_t max_target = 2048;
    std::size_t max_method = 16;
};

enum class ParseStatus {
    complete,                 // a whole head: `head_size` bytes of the buffer
    incomplete,               // nothing wrong so far: wait for more bytes
    bad_request,              // 400: not HTTP/1 syntax, or fields that contradict each other
    method_not_implemented,   // 501: a method longer than any implemented
    uri_too_long,             // 414
    header_fields_too_large,  // 431: the head is too long, or has too many fields
    version_not_supported,    // 505: HTTP/2.0 and other majors
};

// The HTTP status a server answers a refused head with (200 for complete, 0 for incomplete).
unsigned status_of(ParseStatus s);
// A short reason for logs and response bodies ("header fields too large").
std::string_view describe(ParseStatus s);

struct Header {
    std::string_view name;   // as sent; compare without case
    std::string_view value;  // without surrounding whitespace
};

// A parsed head. Every view points into the buffer that was parsed.
struct Request {
    std::string_view method;      // case-sensitive: "GET"
    std::string_view target;      // "/metrics?x=1", as sent
    unsigned version_minor = 1;   // 0 or 1 (HTTP/1.x above 1.1 counts as 1)
    std::vector<Header> headers;  // in order; reused across parses (capacity kept)
    std::size_t head_size = 0;    // bytes of the head, final empty line included
    bool keep_alive = true;       // after the response: 1.1 unless "close", 1.0 only if asked
    std::optional<std::uint64_t> content_length;
    bool transfer_encoding = false;  // a Transfer-Encoding field (chunked or other) is present

    // The first field named `name` (without case), if any.
    std::optional<std::string_view> header(std::string_view name) const;
    // The target's path: without its query, and without scheme and authority in absolute
    // form ("http://h/metrics" gives "/metrics").
    std::string_view path() const;
    // Whether a body follows the head.
    bool has_body() const { return transfer_encoding || content_length.value_or(0) > 0; }
};

// Parses the head at the start of `buffer` into `out` (filled only when complete; on other
// results its contents are unspecified).
ParseStatus parse_request_head(std::string_view buffer, Request& out, const Limits& limits = {});

// ASCII case-insensitive equality, as HTTP's field names and tokens compare.
bool equal_nocase(std::string_view a, std::string_view b);

// Whether a comma-separated field value (Connection) holds `token`, without case.
bool has_token(std::string_view list, std::string_view token);

}  // namespace parley::http
