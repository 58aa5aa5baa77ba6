#pragma once
// Which loopback source address a connection uses. Past ~28k connections to one port the
// loopback source ports run out (the ephemeral range 32768..60999), so connections are spread
// over 127.0.0.1, 127.0.0.2, ... (all of 127/8 is loopback), in blocks, or round robin over
// --sources addresses.

#include <cstdint>

namespace parley::load {

// A source address serves at most this many connections to one server port.
inline constexpr int kConnectionsPerSource = 25000;

// The source address (0 = 127.0.0.1) of the n-th connection, or -1 for the system's choice:
// round robin over `sources` when set, else blocks of `per_source` once the run needs more
// connections (`needed`) than one address holds.
inline int source_index(int sources, int needed, std::uint64_t n, int per_source) {
    if (sources > 0) {
        return static_cast<int>(n % static_cast<std::uint64_t>(sources));
    }
    if (needed > per_source) {
        return static_cast<int>(n / static_cast<std::uint64_t>(per_source));
    }
    return -1;
}

}  // namespace parley::load
