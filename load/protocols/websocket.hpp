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
// keeps partial frames itself, and ws::masked_frame for what the client sends. The hot path
// does not go through it: while the reader stands between frames, whole unfragmented text
// frames are read where they lie in the engine's receive buffer (a server's frames are not
// masked, so there is nothing to undo), and a frame cut by the end of a read is left to the
// engine's carry; only what is not such a frame (control frames, fragments, frames over 64 KiB,
// anything malformed) goes to the reader, which then decides. At millions of deliveries a
// second the reader's copy of every byte into its own buffer was a tenth of the client's CPU.
// JSON is read with a scanner of the top-level object that copies nothing: deliveries are views
// into the buffer they arrived in, and the payloads never hold a character JSON escapes.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"
#include "shared/text.hpp"
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

// Whether every byte of `s` is ASCII and none is a backslash: then `s` is valid UTF-8 and
// holds no JSON escape. One pass, eight bytes at a time; the usual answer for a delivery.
inline bool plain_ascii(std::string_view s) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t seen = 0;  // high bits: a byte >= 0x80, or a backslash (found below)
    std::size_t i = 0;
    for (; n - i >= 8; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, sizeof w);
        const std::uint64_t x = w ^ (ones * '\\');  // a zero byte where w has a backslash
        seen |= w | ((x - ones) & ~x);
    }
    for (; i < n; ++i) {
        const auto b = static_cast<unsigned char>(p[i]);
        seen |= b == '\\' ? 0x80 : b;
    }
    return (seen & highs) == 0;
}

// Whether the bytes at `p` are those of the literal `lit` (without its NUL): one memcmp of a
// length known at compile time, with no bounds arithmetic (the caller has checked the room).
template <std::size_t N>
inline bool same_bytes(const char* p, const char (&lit)[N]) {
    return std::memcmp(p, lit, N - 1) == 0;
}

// A room message exactly as Parley writes it (server/web/web_json.cpp, fields in this order),
// given that `json` is plain_ascii (no escapes anywhere): its room and text, found by comparing
// the fixed parts in place; false for anything else (another layout, a private message's
// target), which the general scanner then reads. The general scan of every field was most of
// the client's CPU at a million deliveries a second; this is a few comparisons.
inline bool parley_room_message(std::string_view json, std::string_view& room,
                                std::string_view& text) {
    static constexpr char head[] = R"({"type":"event","kind":"message","id":)";
    static constexpr char time_key[] = R"(,"time":)";
    static constexpr char room_key[] = R"(,"room":")";
    static constexpr char nick_key[] = R"(","nick":")";
    static constexpr char text_key[] = R"(","text":")";
    // The fixed parts and the shortest values (one digit, empty strings) and the closing "}.
    constexpr std::size_t shortest = sizeof head + sizeof time_key + sizeof room_key +
                                     sizeof nick_key + sizeof text_key - 5 + 2 + 2;
    const char* p = json.data();
    const std::size_t n = json.size();
    if (n < shortest || !same_bytes(p, head) || p[n - 2] != '"' || p[n - 1] != '}') {
        return false;
    }
    // Everything below stays within json[0, n - 2): the closing "} is known to be there.
    const std::size_t last = n - 2;
    const auto digits = [&](std::size_t i) {
        const std::size_t from = i;
        while (i < last && p[i] >= '0' && p[i] <= '9') {
            ++i;
        }
        return i == from ? std::string_view::npos : i;
    };
    // A short string value (a room, a nick) after its key: to the next quote, byte by byte.
    const auto short_value = [&](std::size_t i, std::string_view& out) {
        const std::size_t from = i;
        while (i < last && p[i] != '"') {
            ++i;
        }
        out = json.substr(from, i - from);
        return i;
    };
    std::size_t i = digits(sizeof head - 1);  // the id
    if (i == std::string_view::npos || last - i < sizeof time_key - 1 ||
        !same_bytes(p + i, time_key)) {
        return false;
    }
    // The time, milliseconds since the epoch, is skipped unchecked: the payload carries its own.
    i = digits(i + sizeof time_key - 1);
    if (i == std::string_view::npos || last - i < sizeof room_key - 1 ||
        !same_bytes(p + i, room_key)) {
        return false;
    }
    i = short_value(i + sizeof room_key - 1, room);
    std::string_view nick;
    if (last - i < sizeof nick_key - 1 || !same_bytes(p + i, nick_key)) {
        return false;
    }
    i = short_value(i + sizeof nick_key - 1, nick);
    if (last - i < sizeof text_key - 1 || !same_bytes(p + i, text_key)) {
        return false;
    }
    // The text ends at the closing "}: a quote before it would be another member (a target).
    i += sizeof text_key - 1;
    text = json.substr(i, last - i);
    return std::memchr(text.data(), '"', text.size()) == nullptr;
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

    // Everything the server sent in data[0..n), for the connection `s`; returns how much of it
    // was used (the engine keeps the rest for the next call). Before the 101: the response
    // head, whole or not at all (returns 0 while incomplete; Control::registered once upgraded,
    // Control::error and s.ended when refused). After: whole text frames are read in place and
    // a text frame cut short at the end is left unused; the rest goes to s.reader (see above).
    // Event frames of kind message are deliveries (room without '#'); `joined`
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
        if (s.reader.between_frames()) {
            switch (read_in_place(s, in, h)) {  // takes the frames it reads off `in`
                case InPlace::done:
                    return n;
                case InPlace::cut:
                    return n - in.size();  // the engine keeps the cut frame for the next call
                case InPlace::other:
                    break;  // the reader takes over from this frame on
            }
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

    enum class InPlace { done, cut, other };

    // Reads whole, unfragmented, unmasked text frames of up to 64 KiB off the front of `in`:
    // done when nothing is left (or a frame's text was not UTF-8: s.ended says so), cut when
    // the last is a text frame whose end has not arrived, other at a frame the reader must
    // read (left at the front of `in`). Everything a server sends in the fanout is such a frame.
    template <class Handler>
    static InPlace read_in_place(WebSocketClient& s, std::string_view& in, Handler& h) {
        while (!in.empty()) {
            if (in.size() < 2) {
                return InPlace::cut;
            }
            const auto b0 = static_cast<unsigned char>(in[0]);
            const auto b1 = static_cast<unsigned char>(in[1]);
            if (b0 != 0x81 || b1 > 126) {  // not FIN + text, or masked, or 64-bit length
                return InPlace::other;
            }
            std::size_t size = b1;
            std::size_t head = 2;
            if (size == 126) {
                if (in.size() < 4) {
                    return InPlace::cut;
                }
                size = static_cast<std::size_t>(static_cast<unsigned char>(in[2])) << 8 |
                       static_cast<unsigned char>(in[3]);
                head = 4;
            }
            if (in.size() - head < size) {
                return InPlace::cut;
            }
            const std::string_view json = in.substr(head, size);
            in.remove_prefix(head + size);
            if (!on_text(json, h)) {
                s.ended = "websocket: text is not UTF-8";
                h.control(Control::error, s.ended);
                return InPlace::done;
            }
        }
        return InPlace::done;
    }

    // A text message read in place: checked as UTF-8 (false if it is not), then read.
    template <class Handler>
    static bool on_text(std::string_view json, Handler& h) {
        if (detail::plain_ascii(json)) {
            std::string_view room, text;
            if (detail::parley_room_message(json, room, text)) {
                h.payload(detail::without_hash(room), text);
            } else {
                on_other_message(json, h);
            }
            return true;
        }
        if (!valid_utf8(json)) {
            return false;
        }
        on_other_message(json, h);
        return true;
    }

    // One JSON message of the server's (the hot path: nothing copied). Room messages in
    // Parley's own layout are read by comparing its fixed parts; anything else by one scan of
    // the object. (A short cut that searched for each field with memmem measured slower than
    // the scan.)
    template <class Handler>
    static void on_message(std::string_view json, Handler& h) {
        std::string_view room, text;
        if (detail::plain_ascii(json) && detail::parley_room_message(json, room, text)) {
            h.payload(detail::without_hash(room), text);
            return;
        }
        on_other_message(json, h);
    }

    // Any JSON message of the server's, read by one scan of the object.
    template <class Handler>
    static void on_other_message(std::string_view json, Handler& h) {
        std::string_view type, kind, room, text;
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
