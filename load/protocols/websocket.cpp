#include "load/protocols/websocket.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <iterator>

#include <fmt/format.h>

#include "shared/websocket/handshake.hpp"

namespace parley::load {

namespace {

// Masks need not be secret from this client's own server (RFC 6455 10.3 guards proxies
// against hostile page scripts); they vary per frame, which is all a server can see.
std::array<std::uint8_t, 4> next_mask() {
    static std::uint64_t state = 0x9E3779B97F4A7C15ull;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return {static_cast<std::uint8_t>(state), static_cast<std::uint8_t>(state >> 8),
            static_cast<std::uint8_t>(state >> 16), static_cast<std::uint8_t>(state >> 24)};
}

void append_text_frame(std::string& out, std::string_view json) {
    out += ws::masked_frame(ws::Opcode::text, json, next_mask());
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

// The value of header field `name` in an HTTP head (lines ending in CRLF), or empty.
std::string_view header(std::string_view head, std::string_view name) {
    std::size_t at = head.find('\n');
    while (at != std::string_view::npos && at + 1 < head.size()) {
        const std::size_t end = head.find('\n', at + 1);
        const std::string_view line =
            head.substr(at + 1, end == std::string_view::npos ? end : end - at - 1);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
            return trim(line.substr(colon + 1));
        }
        at = end;
    }
    return {};
}

}  // namespace

WebSocketClient::WebSocketClient() : key(ws::new_client_key()) {}

void WebSocketProtocol::append_upgrade(std::string& out, std::string_view key) {
    // No Origin: a non-browser client, let in whatever --http-origin says.
    fmt::format_to(std::back_inserter(out),
                   "GET /ws HTTP/1.1\r\nHost: parley-load\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n"
                   "\r\n",
                   key);
}

void WebSocketProtocol::append_subscribe(std::string& out, std::string_view, std::string_view) {
    append_upgrade(out, ws::new_client_key());
}

void WebSocketProtocol::append_publisher_hello(std::string& out, std::string_view room,
                                               std::string_view nick) {
    append_subscribe(out, room, nick);
}

void WebSocketProtocol::append_join(std::string& out, std::string_view room) {
    append_text_frame(out, fmt::format(R"({{"type":"join","room":"#{}"}})", room));
    append_text_frame(out, R"({"type":"part","room":"#lobby"})");
}

void WebSocketProtocol::append_pong(std::string& out, std::string_view payload) {
    out += ws::masked_frame(ws::Opcode::pong, payload, next_mask());
}

void WebSocketProtocol::append_publish(std::string& out, std::string_view room, std::size_t size,
                                       const Payload& payload) {
    std::string json = R"({"type":"say","room":"#)";
    json += room;
    json += R"(","text":")";
    append_payload(json, size, payload);
    json += "\"}";
    append_text_frame(out, json);
}

void WebSocketProtocol::append_quit(std::string& out, std::string_view reason) {
    append_text_frame(out, fmt::format(R"({{"type":"quit","reason":"{}"}})", reason));
}

void WebSocketProtocol::append_delivery(std::string& out, std::string_view room,
                                        std::string_view nick, std::string_view payload) {
    ws::append_frame(out, ws::Opcode::text,
                     fmt::format(R"({{"type":"event","kind":"message","id":1,)"
                                 R"("time":1796044686123,"room":"#{}","nick":"{}",)"
                                 R"("text":"{}"}})",
                                 room, nick, payload));
}

void WebSocketProtocol::append_subscribed(std::string& out, std::string_view room,
                                          std::string_view nick) {
    ws::append_frame(out, ws::Opcode::text,
                     fmt::format(R"({{"type":"welcome","nick":"{}","motd":[],)"
                                 R"("limits":{{"text":4096,"topic":390,"history":100}}}})",
                                 nick));
    ws::append_frame(out, ws::Opcode::text,
                     fmt::format(R"({{"type":"joined","room":"#{}","topic":null,)"
                                 R"("members":[{{"nick":"{}"}}]}})",
                                 room, nick));
}

std::string WebSocketProtocol::upgrade_answer(std::string_view request) {
    const std::string_view key = header(request, "Sec-WebSocket-Key");
    if (key.empty()) {
        return {};
    }
    return fmt::format(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: {}\r\n\r\n",
        ws::accept_key(key));
}

std::string WebSocketProtocol::check_upgrade_answer(std::string_view head, std::string_view key) {
    const std::string_view status = trim(head.substr(0, head.find('\n')));
    if (!status.starts_with("HTTP/1.1 101")) {
        return fmt::format("websocket upgrade refused: {}", status);
    }
    if (!iequals(header(head, "Upgrade"), "websocket")) {
        return "websocket upgrade: 101 without Upgrade: websocket";
    }
    if (header(head, "Sec-WebSocket-Accept") != ws::accept_key(key)) {
        return "websocket upgrade: wrong Sec-WebSocket-Accept";
    }
    return {};
}

std::string WebSocketProtocol::close_reason(std::uint16_t code, std::string_view reason) {
    if (reason.empty()) {
        return fmt::format("websocket close {}", code);
    }
    return fmt::format("websocket close {}: {}", code, reason);
}

std::string_view websocket_error_code(std::string_view json) {
    std::string_view type, code;
    detail::json_members(json, [&](std::string_view k, std::string_view v) {
        if (k == "type") {
            type = v;
        } else if (k == "code") {
            code = v;
        }
    });
    return type == "error" ? code : std::string_view{};
}

}  // namespace parley::load
