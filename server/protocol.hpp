#pragma once
// The chat protocols a client may speak: Parley's plain lines (nc, telnet), IRC, or the
// browser's JSON over a WebSocket (web). Listeners are of one protocol (web sessions come from
// the HTTP listener's /ws), sessions speak it, and metrics are counted per protocol.

#include <cstddef>
#include <string_view>

namespace parley {

enum class Protocol : unsigned char { plain, irc, web };

inline constexpr std::size_t protocol_count = 3;

// "plain", "irc" or "web": for logs and metric labels.
constexpr std::string_view name(Protocol p) {
    switch (p) {
        case Protocol::irc:
            return "irc";
        case Protocol::web:
            return "web";
        case Protocol::plain:
            break;
    }
    return "plain";
}

}  // namespace parley
