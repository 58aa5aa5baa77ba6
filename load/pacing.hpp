#pragma once
// How many messages a publisher should have sent by now in a step: `rate` a second from the
// step's start, each publisher with its own phase spread evenly (golden ratio), so that a
// thousand publishers at 10/s send about ten messages each millisecond rather than a thousand
// every 100 ms (in step they would all send in the same millisecond and every message would
// queue behind a burst).

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace parley::load {

inline std::uint64_t messages_due(std::size_t publisher_id, std::uint64_t step_base,
                                  double seconds_into_step, double rate) {
    const double phase = std::fmod(static_cast<double>(publisher_id) * 0.6180339887498949, 1.0);
    return step_base + static_cast<std::uint64_t>(seconds_into_step * rate + phase);
}

}  // namespace parley::load
