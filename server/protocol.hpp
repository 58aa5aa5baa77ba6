#pragma once
// The chat protocols a client may speak: Parley's plain lines (nc, telnet) or IRC. Listeners
// are of one protocol, sessions speak it, and metrics are counted per protocol.

#include <cstddef>
#include <string_view>

namespace parley {

enum class Protocol : unsigned char { plain, irc };

inline constexpr std::size_t protocol_count = 2;

// "plain" or "irc": for logs and metric labels.
constexpr std::string_view name(Protocol p) {
    return p == Protocol::irc ? "irc" : "plain";
}

}  // namespace parley
