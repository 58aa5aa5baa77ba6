#pragma once
// The payload every load-test message carries, so a receiver can tell who sent it, which
// message of that sender it is, and when it was sent.
//
// Layout (printable ASCII only, so every server passes it through untouched, Parley's text
// rules included):
//
//   'L' + 6 hex digits publisher id + 12 hex digits sequence + 16 hex digits send time (ns,
//   CLOCK_MONOTONIC), then '.' padding up to the message size.
//
// Fixed-width hex keeps decoding branch-light: the receive hot path decodes millions of these
// a second, and a fixed layout needs neither a scan nor a length.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::load {

inline constexpr std::size_t kPayloadHeader = 1 + 6 + 12 + 16;
inline constexpr std::size_t kMinPayloadSize = kPayloadHeader;
inline constexpr std::size_t kMaxPayloadSize = 4000;  // under Parley's 4096-byte line limit
inline constexpr std::uint32_t kMaxPublisherId = 0xFFFFFF;

struct Payload {
    std::uint32_t publisher = 0;
    std::uint64_t seq = 0;
    std::uint64_t sent_ns = 0;
};

// Writes exactly `size` bytes (size >= kMinPayloadSize) to `out`.
void encode_payload(char* out, std::size_t size, const Payload& p);

// Appends a payload of `size` bytes to `out`.
void append_payload(std::string& out, std::size_t size, const Payload& p);

// Rewrites only the sequence and time fields of an encoded payload in place (the blaster and
// the publishers reuse pre-formatted messages).
void restamp_payload(char* payload, std::uint64_t seq, std::uint64_t sent_ns);

// nullopt when the bytes are not a payload (too short, wrong marker, a non-hex digit).
std::optional<Payload> decode_payload(std::string_view bytes);

// Monotonic nanoseconds, the clock the payload times are in.
std::uint64_t now_ns();

}  // namespace parley::load
