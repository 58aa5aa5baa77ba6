#pragma once
// The three protocols the load client speaks: Parley's text lines, Redis pub/sub (RESP) and
// NATS. For each: what a subscriber and a publisher send first, how a message is published,
// and how the received byte stream is cut into deliveries and everything else.
//
// Parsing works on whole messages only: parse_stream() returns how many bytes it consumed and
// the caller keeps the incomplete rest for the next read. Payloads never contain CR or LF, so
// every format can be cut with memchr and nothing is copied: deliveries are views into the
// caller's read buffer.

#include <charconv>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "shared/wire.hpp"

namespace parley::load {

enum class Protocol { parley, redis, nats };

std::optional<Protocol> parse_protocol(std::string_view name);
std::string_view protocol_name(Protocol p);

// What a non-delivery part of the stream is.
enum class Control {
    line,        // Parley: any line that is not a room message (notices, info, errors)
    subscribed,  // Redis: a SUBSCRIBE confirmation
    pong,        // Redis +PONG / NATS PONG: the server processed everything sent before
    ping,        // NATS PING: must be answered with PONG or the server disconnects us
    error,       // Redis -ERR, NATS -ERR
    other,       // anything else (INFO, +OK, integer replies to PUBLISH, ...)
};

// Bytes a subscriber sends right after connecting to receive the room's messages. It is ready
// when is_subscribe_confirmation() says so (Parley: its own join notice; Redis: the SUBSCRIBE
// reply; NATS: the PONG after SUB, since NATS handles a connection's commands in order).
void append_subscribe(Protocol p, std::string& out, std::string_view room);

// Bytes a publish-only connection sends right after connecting; it is ready on the reply.
// Parley publishers must be members of the room, so they join it too.
void append_publisher_hello(Protocol p, std::string& out, std::string_view room);

// Appends one published message carrying `payload` (encoded to `size` bytes).
void append_publish(Protocol p, std::string& out, std::string_view room, std::size_t size,
                    const Payload& payload);

// The answer to a NATS PING.
inline constexpr std::string_view kNatsPong = "PONG\r\n";

// The reverse of append_publish as a server would deliver it to a subscriber (used by the
// self-test blaster and the tests). `nick` is Parley's sender name.
void append_delivery(Protocol p, std::string& out, std::string_view room, std::string_view nick,
                     std::string_view payload);

namespace detail {

inline std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

inline const char* find_lf(const char* p, const char* end) {
    return static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
}

// Parley: "#room <nick> text" (wire::parse from shared/, which allocates nothing). Anything
// else is a control line.
template <class Handler>
std::size_t parse_parley(const char* data, std::size_t n, Handler& h) {
    const char* p = data;
    const char* end = data + n;
    while (p < end) {
        const char* lf = find_lf(p, end);
        if (lf == nullptr) {
            break;
        }
        const std::string_view line =
            strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
        p = lf + 1;
        const wire::Line parsed = wire::parse(line);
        if (parsed.kind == wire::Kind::room_message && parsed.timestamp.empty()) {
            h.payload(parsed.room.substr(1), parsed.text);
            continue;
        }
        h.control(Control::line, line);
    }
    return static_cast<std::size_t>(p - data);
}

// One RESP element at p: a bulk string, integer or simple string. Returns the position after
// it, or nullptr if incomplete. Sets ok=false on a malformed element.
inline const char* resp_element(const char* p, const char* end, std::string_view& out, bool& ok) {
    if (p >= end) {
        return nullptr;
    }
    const char* lf = find_lf(p, end);
    if (lf == nullptr) {
        return nullptr;
    }
    const std::string_view head =
        strip_cr(std::string_view(p + 1, static_cast<std::size_t>(lf - p - 1)));
    if (*p == '$') {
        long len = 0;
        auto [ptr, ec] = std::from_chars(head.data(), head.data() + head.size(), len);
        if (ec != std::errc() || len < -1) {
            ok = false;
            return lf + 1;
        }
        if (len == -1) {
            out = {};
            return lf + 1;
        }
        const char* data = lf + 1;
        if (end - data < len + 2) {
            return nullptr;
        }
        out = std::string_view(data, static_cast<std::size_t>(len));
        return data + len + 2;
    }
    if (*p == ':' || *p == '+') {
        out = head;
        return lf + 1;
    }
    ok = false;
    return lf + 1;
}

// "$<digits>\r\n" at p: the length and the position after it. nullptr when incomplete;
// `bad` when it is not that.
inline const char* resp_bulk_len(const char* p, const char* end, std::size_t& len, bool& bad) {
    if (p >= end) {
        return nullptr;
    }
    if (*p != '$') {
        bad = true;
        return nullptr;
    }
    std::size_t v = 0;
    for (const char* q = p + 1; q < end; ++q) {
        const char c = *q;
        if (c >= '0' && c <= '9') {
            v = v * 10 + static_cast<std::size_t>(c - '0');
            continue;
        }
        if (c != '\r' || q == p + 1) {
            bad = true;
            return nullptr;
        }
        if (q + 1 >= end) {
            return nullptr;
        }
        len = v;
        return q + 2;
    }
    return nullptr;
}

template <class Handler>
std::size_t parse_redis(const char* data, std::size_t n, Handler& h) {
    const char* p = data;
    const char* end = data + n;
    // Nearly everything a subscriber gets is a "message" push: that shape is parsed directly,
    // everything else (and anything odd) by the general path below.
    constexpr std::string_view kMessage = "*3\r\n$7\r\nmessage\r\n";
    while (p < end) {
        if (static_cast<std::size_t>(end - p) >= kMessage.size() &&
            std::memcmp(p, kMessage.data(), kMessage.size()) == 0) {
            bool bad = false;
            std::size_t clen = 0, plen = 0;
            const char* q = resp_bulk_len(p + kMessage.size(), end, clen, bad);
            if (q != nullptr && static_cast<std::size_t>(end - q) < clen + 2) {
                break;  // wait for the rest
            }
            const char* r = q == nullptr ? nullptr : resp_bulk_len(q + clen + 2, end, plen, bad);
            if (!bad) {
                if (r == nullptr || static_cast<std::size_t>(end - r) < plen + 2) {
                    break;  // wait for the rest
                }
                h.payload(std::string_view(q, clen), std::string_view(r, plen));
                p = r + plen + 2;
                continue;
            }
        }
        const char* lf = find_lf(p, end);
        if (lf == nullptr) {
            break;
        }
        const std::string_view head =
            strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
        if (head.empty()) {
            p = lf + 1;
            continue;
        }
        if (head[0] != '*') {
            p = lf + 1;
            switch (head[0]) {
                case '+':
                    h.control(head == "+PONG" ? Control::pong : Control::other, head);
                    break;
                case '-':
                    h.control(Control::error, head);
                    break;
                default:
                    h.control(Control::other, head);
                    break;
            }
            continue;
        }
        long count = 0;
        std::from_chars(head.data() + 1, head.data() + head.size(), count);
        std::string_view elems[3];
        const char* q = lf + 1;
        bool ok = true;
        bool complete = true;
        for (long i = 0; i < count; ++i) {
            std::string_view e;
            const char* next = resp_element(q, end, e, ok);
            if (next == nullptr) {
                complete = false;
                break;
            }
            if (i < 3) {
                elems[i] = e;
            }
            q = next;
        }
        if (!complete) {
            break;  // wait for the rest of this array
        }
        p = q;
        if (!ok) {
            h.control(Control::error, "malformed RESP");
        } else if (count == 3 && elems[0] == "message") {
            h.payload(elems[1], elems[2]);
        } else if (count >= 2 && elems[0] == "subscribe") {
            h.control(Control::subscribed, elems[1]);
        } else if (count >= 1 && elems[0] == "pong") {
            h.control(Control::pong, elems[0]);
        } else {
            h.control(Control::other, head);
        }
    }
    return static_cast<std::size_t>(p - data);
}

// NATS: "MSG subject sid [reply-to] #bytes\r\n<payload>\r\n", and control lines.
template <class Handler>
std::size_t parse_nats(const char* data, std::size_t n, Handler& h) {
    const char* p = data;
    const char* end = data + n;
    while (p < end) {
        const char* lf = find_lf(p, end);
        if (lf == nullptr) {
            break;
        }
        const std::string_view line =
            strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
        if (line.size() > 4 && std::memcmp(line.data(), "MSG ", 4) == 0) {
            const std::size_t last_sp = line.rfind(' ');
            std::size_t len = 0;
            std::from_chars(line.data() + last_sp + 1, line.data() + line.size(), len);
            const char* body = lf + 1;
            if (static_cast<std::size_t>(end - body) < len + 2) {
                break;  // wait for the payload
            }
            const std::size_t subj_end = line.find(' ', 4);
            h.payload(line.substr(4, subj_end - 4), std::string_view(body, len));
            p = body + len + 2;
            continue;
        }
        p = lf + 1;
        if (line == "PING") {
            h.control(Control::ping, line);
        } else if (line == "PONG") {
            h.control(Control::pong, line);
        } else if (line.starts_with("-ERR")) {
            h.control(Control::error, line);
        } else {
            h.control(Control::other, line);
        }
    }
    return static_cast<std::size_t>(p - data);
}

}  // namespace detail

// Calls h.payload(room, payload) for every delivery and h.control(Control, text) for every
// other complete message in data[0..n); returns the bytes consumed. Room names are given
// without Parley's '#'.
template <class Handler>
std::size_t parse_stream(Protocol p, const char* data, std::size_t n, Handler& h) {
    switch (p) {
        case Protocol::parley:
            return detail::parse_parley(data, n, h);
        case Protocol::redis:
            return detail::parse_redis(data, n, h);
        case Protocol::nats:
            return detail::parse_nats(data, n, h);
    }
    return 0;
}

}  // namespace parley::load

namespace parley::load {

// Parley control lines the load client cares about (parsed with shared/wire).
// The nickname in "--- Your nickname is NICK. ..."; empty if `line` is something else.
std::string_view parley_welcome_nick(std::string_view line);
// True for "-!- NICK joined #ROOM".
bool parley_is_join(std::string_view line, std::string_view nick, std::string_view room);
// For "-!- NICK quit (REASON)": sets nick and reason and returns true.
bool parley_quit(std::string_view line, std::string_view& nick, std::string_view& reason);
// For "!!! code: text": the code; empty otherwise.
std::string_view parley_error_code(std::string_view line);
// For "--- Rooms (N):" lines and "--- #room M member(s)": the number; -1 otherwise.
long parley_room_members(std::string_view line);

}  // namespace parley::load
