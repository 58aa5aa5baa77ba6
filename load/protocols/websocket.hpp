#pragma once
// Parley's browser protocol as the load client speaks it: JSON over WebSocket at /ws on the
// server's --http-listen (docs/protocol.md, "Browsers: JSON over a WebSocket").
//
// A connection opens with the HTTP upgrade (GET /ws, a fresh Sec-WebSocket-Key each; no Origin,
// as a non-browser client, so any --http-origin lets it in) and sends nothing more until the
// server's 101: bytes after the request head are refused with 400. Once upgraded the server
// says welcome and puts the client in #lobby; the client then sends {"type":"join"} for its
// room and {"type":"part"} for #lobby, and is ready on the `joined` answer for its room.
// Parting #lobby gives a browser the memberships a plain client has after /join (one room) and
// an IRC client after JOIN: in #lobby every connect would reach every client connected before
// it (browsers see every join), n^2/2 frames for n clients, which is a cost of the connect
// phase, not of the fanout measured after it.
//
// A publish is {"type":"say","room":"#R","text":PAYLOAD} in one masked text frame. A delivery
// is an event frame of kind "message" in the room, the payload in "text". The server echoes a
// client's own messages (the echo is a browser's proof the server took them).
//
// Framing is shared/websocket's: a ws::MessageReader (Role::client) per connection, which
// keeps partial frames itself, and ws::masked_frame for what the client sends. JSON is read
// with a scanner of the top-level object that copies nothing: deliveries are views into the
// reader's buffer, and the payloads never hold a character JSON escapes.

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"
#include "shared/websocket/frame.hpp"

namespace parley::load {

// The largest message the load client accepts from the server: a `joined` of a room of many
// thousand members is the largest it gets (about 25 bytes a member).
inline constexpr std::size_t kWebSocketMaxMessage = 64 * 1024 * 1024;

// One connection's WebSocket state: the key its upgrade request sent, whether the 101 came,
// and its frame reader.
struct WebSocketClient {
    WebSocketClient();
    std::string key;  // Sec-WebSocket-Key of the upgrade request
    bool upgraded = false;
    ws::MessageReader reader{kWebSocketMaxMessage, ws::Role::client};
    // Set when the connection must close: the upgrade was refused or answered wrongly, the
    // server sent a Close frame, or its frames broke RFC 6455. Says why.
    std::string ended;
};

namespace detail {

// The end of the JSON string whose opening quote is at s[i - 1]: the index of its closing
// quote, or npos. Escapes are skipped, not decoded. The hot path: most strings are short
// (keys, nicknames, times), where a byte loop whose next index never waits on the byte it
// loaded is fastest; past 16 bytes (the payload) memchr's vector search takes over, and a quote
// found there ends the string unless an odd run of backslashes escapes it.
inline std::size_t json_string_end(std::string_view s, std::size_t i) {
    const char* p = s.data();
    const std::size_t n = s.size();
    const std::size_t short_end = i + 16 < n ? i + 16 : n;
    while (i < short_end) {
        while (i < short_end && p[i] != '"' && p[i] != '\\') {
            ++i;
        }
        if (i >= short_end) {
            break;
        }
        if (p[i] == '"') {
            return i;
        }
        i += 2;  // an escape: the next byte is taken as it is
    }
    while (i < n) {
        const void* q = std::memchr(p + i, '"', n - i);
        if (q == nullptr) {
            return std::string_view::npos;
        }
        const auto at = static_cast<std::size_t>(static_cast<const char*>(q) - p);
        std::size_t backslashes = 0;
        while (at - backslashes > i && p[at - backslashes - 1] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) {
            return at;
        }
        i = at + 1;
    }
    return std::string_view::npos;
}

inline std::size_t json_skip_space(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
        ++i;
    }
    return i;
}

// The end (one past) of the JSON value that starts at s[i], or npos. Objects and arrays are
// skipped by counting brackets outside strings; scalars end at the next ',', '}' or ']'.
inline std::size_t json_value_end(std::string_view s, std::size_t i) {
    if (i >= s.size()) {
        return std::string_view::npos;
    }
    if (s[i] == '"') {
        const std::size_t e = json_string_end(s, i + 1);
        return e == std::string_view::npos ? e : e + 1;
    }
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        for (; i < s.size(); ++i) {
            const char ch = s[i];
            if (ch == '"') {
                i = json_string_end(s, i + 1);
                if (i == std::string_view::npos) {
                    return i;
                }
            } else if (ch == '{' || ch == '[') {
                ++depth;
            } else if ((ch == '}' || ch == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return std::string_view::npos;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
        ++i;
    }
    return i;
}

// Calls f(key, value) for every member of the JSON object `s`, in order: a string value as
// its text between the quotes (escapes as they are), any other value as its JSON text. False
// if `s` is not a well-formed object as far as the scan can tell (it checks the structure, not
// every scalar).
template <class F>
bool json_members(std::string_view s, F&& f) {
    std::size_t i = json_skip_space(s, 0);
    if (i >= s.size() || s[i] != '{') {
        return false;
    }
    i = json_skip_space(s, i + 1);
    if (i < s.size() && s[i] == '}') {
        return json_skip_space(s, i + 1) == s.size();
    }
    while (i < s.size()) {
        if (s[i] != '"') {
            return false;
        }
        const std::size_t key_end = json_string_end(s, i + 1);
        if (key_end == std::string_view::npos) {
            return false;
        }
        const std::string_view key = s.substr(i + 1, key_end - i - 1);
        i = json_skip_space(s, key_end + 1);
        if (i >= s.size() || s[i] != ':') {
            return false;
        }
        i = json_skip_space(s, i + 1);
        const std::size_t end = json_value_end(s, i);
        if (end == std::string_view::npos || end == i) {
            return false;
        }
        const bool quoted = s[i] == '"';
        f(key, quoted ? s.substr(i + 1, end - i - 2) : s.substr(i, end - i));
        i = json_skip_space(s, end);
        if (i < s.size() && s[i] == ',') {
            i = json_skip_space(s, i + 1);
            continue;
        }
        return i < s.size() && s[i] == '}' && json_skip_space(s, i + 1) == s.size();
    }
    return false;
}

inline std::string_view without_hash(std::string_view room) {
    return !room.empty() && room.front() == '#' ? room.substr(1) : room;
}

// A room message exactly as Parley writes it (server/web/web_json.cpp, fields in this order,
// no escapes in room, nick or text): its room and text, found by comparing the fixed parts in
// place; false for anything else (another layout, an escape, a private message's target),
// which the general scanner then reads. The general scan of every field was most of the
// client's CPU at a million deliveries a second; this is a few comparisons.
inline bool parley_room_message(std::string_view json, std::string_view& room,
                                std::string_view& text) {
    constexpr std::string_view head = R"({"type":"event","kind":"message","id":)";
    constexpr std::string_view time_key = R"(,"time":)";
    constexpr std::string_view room_key = R"(,"room":")";
    constexpr std::string_view nick_key = R"(","nick":")";
    constexpr std::string_view text_key = R"(","text":")";
    if (!json.starts_with(head) || !json.ends_with(R"("})")) {
        return false;
    }
    std::size_t i = head.size();
    while (i < json.size() && json[i] >= '0' && json[i] <= '9') {
        ++i;
    }
    // `key` at `at`, then a string value to its closing quote, which must not be escaped: a
    // backslash anywhere in it sends the message to the general scanner.
    const auto value_at = [&](std::string_view key, std::size_t at, std::string_view& out) {
        if (json.compare(at, key.size(), key) != 0) {
            return std::string_view::npos;
        }
        const std::size_t from = at + key.size();
        const void* quote = std::memchr(json.data() + from, '"', json.size() - from);
        if (quote == nullptr) {
            return std::string_view::npos;
        }
        const std::size_t end =
            static_cast<std::size_t>(static_cast<const char*>(quote) - json.data());
        out = json.substr(from, end - from);
        if (std::memchr(out.data(), '\\', out.size()) != nullptr) {
            return std::string_view::npos;
        }
        return end;
    };
    std::string_view nick;
    if (json.compare(i, time_key.size(), time_key) != 0) {
        return false;
    }
    i += time_key.size();
    // The time, milliseconds since the epoch, is skipped unchecked: the payload carries its own.
    const std::size_t digits = i;
    while (i < json.size() && json[i] >= '0' && json[i] <= '9') {
        ++i;
    }
    if (i == digits) {
        return false;
    }
    i = value_at(room_key, i, room);
    if (i == std::string_view::npos) {
        return false;
    }
    i = value_at(nick_key, i, nick);
    if (i == std::string_view::npos) {
        return false;
    }
    i = value_at(text_key, i, text);
    return i != std::string_view::npos && i + 2 == json.size();  // nothing after: no target
}

}  // namespace detail

struct WebSocketProtocol {
    static constexpr std::string_view name = "websocket";
    // Own messages come back (the echo); a member publishes on its own connection; a
    // publisher is in the room like anyone (a browser says only in its rooms); the server
    // names the client (guestN).
    static constexpr ProtocolTraits traits{true, true, true, false, 0};

    // The upgrade request with a fresh key (the engine sends append_upgrade with the key it
    // keeps); the join follows the 101 (append_join).
    static void append_subscribe(std::string& out, std::string_view room, std::string_view nick);
    static void append_publisher_hello(std::string& out, std::string_view room,
                                       std::string_view nick);
    static void append_upgrade(std::string& out, std::string_view key);
    // Joins `room` and leaves #lobby, where the server put the browser (see above).
    static void append_join(std::string& out, std::string_view room);
    static void append_pong(std::string& out, std::string_view payload);
    static void append_publish(std::string& out, std::string_view room, std::size_t size,
                               const Payload& payload);
    static void append_quit(std::string& out, std::string_view reason);
    // Server side, for the self-test's stand-in server and the tests: an event frame of kind
    // message; the welcome and the `joined` of the room (as if the join had been answered);
    // the 101 answer to an upgrade request (empty if `request` has no Sec-WebSocket-Key).
    static void append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                std::string_view payload);
    static void append_subscribed(std::string& out, std::string_view room, std::string_view nick);
    static std::string upgrade_answer(std::string_view request);

    // Everything the server sent in data[0..n), for the connection `s`. Before the 101: the
    // response head, whole or not at all (returns 0 while incomplete; Control::registered once
    // upgraded, Control::error and s.ended when refused). After: every byte goes to s.reader
    // (returns n). Event frames of kind message are deliveries (room without '#'); `joined`
    // is Control::joined with its room (without '#'); `error` is Control::error with the JSON;
    // pings are Control::ping with their payload; a Close or a framing failure sets s.ended
    // and is Control::error; anything else is Control::other.
    template <class Handler>
    static std::size_t parse(WebSocketClient& s, const char* data, std::size_t n, Handler& h) {
        std::string_view in(data, n);
        if (!s.upgraded) {
            const std::size_t head_end = in.find("\r\n\r\n");
            if (head_end == std::string_view::npos) {
                return 0;
            }
            const std::string problem = check_upgrade_answer(in.substr(0, head_end + 2), s.key);
            if (!problem.empty()) {
                s.ended = problem;
                h.control(Control::error, s.ended);
                return n;
            }
            s.upgraded = true;
            h.control(Control::registered, in.substr(0, in.find("\r\n")));
            in.remove_prefix(head_end + 4);
        }
        if (!s.ended.empty()) {
            return n;
        }
        s.reader.feed(in);
        ws::Incoming m;
        while (s.reader.next(m)) {
            switch (m.kind) {
                case ws::Incoming::Kind::text:
                    on_message(m.payload, h);
                    break;
                case ws::Incoming::Kind::ping:
                    h.control(Control::ping, m.payload);
                    break;
                case ws::Incoming::Kind::close:
                    s.ended = close_reason(m.code, m.payload);
                    h.control(Control::error, s.ended);
                    return n;
                case ws::Incoming::Kind::failure:
                    s.ended = "websocket: " + std::string(m.problem);
                    h.control(Control::error, s.ended);
                    return n;
                case ws::Incoming::Kind::binary:
                case ws::Incoming::Kind::pong:
                    h.control(Control::other, m.payload);
                    break;
            }
        }
        return n;
    }

    // One JSON message of the server's (the hot path: nothing copied). Room messages in
    // Parley's own layout are read by comparing its fixed parts; anything else by one scan of
    // the object. (A short cut that searched for each field with memmem measured slower than
    // the scan.)
    template <class Handler>
    static void on_message(std::string_view json, Handler& h) {
        std::string_view type, kind, room, text;
        if (detail::parley_room_message(json, room, text)) {
            h.payload(detail::without_hash(room), text);
            return;
        }
        const bool ok = detail::json_members(json, [&](std::string_view k, std::string_view v) {
            if (k == "type") {
                type = v;
            } else if (k == "kind") {
                kind = v;
            } else if (k == "room") {
                room = v;
            } else if (k == "text") {
                text = v;
            }
        });
        if (!ok) {
            h.control(Control::other, json);
        } else if (type == "event" && kind == "message" && !room.empty()) {
            h.payload(detail::without_hash(room), text);
        } else if (type == "joined") {
            h.control(Control::joined, detail::without_hash(room));
        } else if (type == "error") {
            h.control(Control::error, json);
        } else {
            h.control(Control::other, json);
        }
    }

  private:
    // Empty if `head` (the status line and fields, each ending in CRLF) upgrades the
    // connection whose request sent `key`; else why not.
    static std::string check_upgrade_answer(std::string_view head, std::string_view key);
    static std::string close_reason(std::uint16_t code, std::string_view reason);
};

// The "code" of an error message ({"type":"error","code":"flood",...}); empty for other JSON.
std::string_view websocket_error_code(std::string_view json);

}  // namespace parley::load
