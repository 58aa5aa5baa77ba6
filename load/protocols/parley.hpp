#pragma once
// Parley's own protocol as the load client speaks it: text lines. A client joins the room
// with /join and is in it once the server announces its join; every line it sends is a
// message to the room, and it gets "#room <nick> text" for everyone else's.

#include <cstddef>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"
#include "shared/wire.hpp"

namespace parley::load {

struct ParleyProtocol {
    static constexpr std::string_view name = "parley";
    // No echo of one's own messages; a publisher is a member of the room like anyone else.
    static constexpr ProtocolTraits traits{false, true, true, false, 0};

    // `nick` is for protocols whose client names itself (IRC); unused here.
    static void append_subscribe(std::string& out, std::string_view room, std::string_view nick);
    static void append_publisher_hello(std::string& out, std::string_view room,
                                       std::string_view nick);
    static void append_publish(std::string& out, std::string_view room, std::size_t size,
                               const Payload& payload);
    static void append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                std::string_view payload);
    // What a server answers a subscriber's hello with (the self-test's stand-in server).
    static void append_subscribed(std::string& out, std::string_view room, std::string_view nick);

    // Room messages (wire::parse from shared/, which allocates nothing) are deliveries;
    // anything else is a control line.
    template <class Handler>
    static std::size_t parse(const char* data, std::size_t n, Handler& h) {
        const char* p = data;
        const char* end = data + n;
        while (p < end) {
            const char* lf = detail::find_lf(p, end);
            if (lf == nullptr) {
                break;
            }
            const std::string_view line =
                detail::strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
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
};

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
