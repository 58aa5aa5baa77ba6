#pragma once
// The WebSocket opening handshake (RFC 6455 section 4), server side, without a socket: whether
// an HTTP request head asks for a WebSocket the way RFC 6455 4.2.1 requires, the
// Sec-WebSocket-Accept answer, and the Origin check against cross-site WebSocket hijacking
// (10.2: a browser sends the page's Origin; the server decides).

#include <string>
#include <string_view>
#include <vector>

#include "shared/http/request.hpp"

namespace parley::ws {

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (4.2.2).
std::string accept_key(std::string_view key);

// A new random Sec-WebSocket-Key (base64 of 16 random bytes), for clients (tests, load tools).
std::string new_client_key();

struct UpgradeCheck {
    // 101: the request may be upgraded; else the HTTP status to refuse it with: 400 (a field
    // missing or wrong, HTTP/1.0), 405 (not GET), 426 (a Sec-WebSocket-Version other than 13:
    // the answer carries "Sec-WebSocket-Version: 13").
    unsigned status = 101;
    std::string_view problem;  // why not, for the response body and logs
    std::string accept;        // 101: the Sec-WebSocket-Accept value
};

// Checks a request for the upgrade: GET, HTTP/1.1, a Host, "Upgrade" holding the token
// "websocket" and "Connection" holding "upgrade" (without case), a Sec-WebSocket-Key that is
// base64 of exactly 16 bytes, and Sec-WebSocket-Version 13.
UpgradeCheck check_upgrade(const http::Request& request);

// Which page origins may open a WebSocket (--http-origin).
struct OriginPolicy {
    bool any = false;  // "*"
    // Origins allowed besides the same origin ("https://chat.example.com"), compared without
    // case and with default ports (":80" for http, ":443" for https) made explicit.
    std::vector<std::string> allowed;
    bool same_origin = true;  // the Origin's host and port are the request's Host
};

// Parses --http-origin: "same", "*", or a comma-separated list of origins (scheme://host[:port],
// nothing after); "same" may appear in the list. False with `error` set when an entry is not
// an origin.
bool parse_origin_policy(std::string_view text, OriginPolicy& out, std::string& error);

// Whether `request` may open a WebSocket under `policy`. A request without an Origin field
// comes from a non-browser client (browsers always send one on a WebSocket handshake) and is
// allowed; "Origin: null" (a sandboxed or file: page) is only allowed by "*".
bool origin_allowed(const http::Request& request, const OriginPolicy& policy);

}  // namespace parley::ws
