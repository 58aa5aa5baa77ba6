#pragma once
// What the harnesses share: property checks that abort (so that libFuzzer keeps the input as a
// crash, like any other finding), and cutting a stream into chunks as reads would.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

// Checks a property of the code under test; on failure, says which and aborts.
#define FUZZ_CHECK(cond) ((cond) ? void(0) : ::parley::fuzz::fail(#cond, __FILE__, __LINE__))

namespace parley::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
    std::abort();
}

// True if `part` lies within `whole` (views a parser returns must point into its input).
inline bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

// Cuts `stream` into consecutive chunks whose sizes are drawn from `seed`, as a socket's reads
// might return it: mostly a few bytes, now and then up to 255, and some empty ones. The same
// seed gives the same cuts, so a finding reproduces from its input alone.
inline std::vector<std::string_view> split(std::string_view stream, std::uint64_t seed) {
    std::uint64_t x = seed | 1;  // xorshift64 never leaves 0
    std::vector<std::string_view> chunks;
    while (!stream.empty()) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const std::size_t want = (x & 3) == 0 ? (x >> 8) % 256 : (x >> 8) % 9;
        const std::size_t n = want < stream.size() ? want : stream.size();
        chunks.push_back(stream.substr(0, n));
        stream.remove_prefix(n);
    }
    return chunks;
}

}  // namespace parley::fuzz
