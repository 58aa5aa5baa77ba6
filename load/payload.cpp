#include "load/payload.hpp"

#include <cstring>
#include <ctime>

namespace parley::load {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void put_hex(char* out, std::size_t digits, std::uint64_t v) {
    for (std::size_t i = digits; i-- > 0;) {
        out[i] = kHex[v & 0xF];
        v >>= 4;
    }
}

// Decoding is on the receive hot path (one payload per delivery, over ten million a second),
// so it works on 8 digits at a time (SWAR) instead of a table lookup per digit. Only lowercase
// hex is accepted: that is what encode writes.
constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHigh = 0x8080808080808080ull;

std::uint64_t load8(const char* p) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
}

// All 8 bytes are '0'..'9' or 'a'..'f'. For 7-bit bytes, (b|0x80)-lo keeps the high bit iff
// b >= lo, and (hi|0x80)-b keeps it iff b <= hi, with no borrow between bytes.
bool hex8_ok(std::uint64_t x) {
    const std::uint64_t digit = ((x | kHigh) - '0' * kOnes) & ((kHigh | '9' * kOnes) - x);
    const std::uint64_t af = ((x | kHigh) - 'a' * kOnes) & ((kHigh | 'f' * kOnes) - x);
    return (x & kHigh) == 0 && ((digit | af) & kHigh) == kHigh;
}

// The value of 8 hex digits, first digit most significant.
std::uint64_t hex8(std::uint64_t x) {
    // '0'..'9' -> 0..9 (bit 6 clear); 'a'..'f' -> 1..6 + 9.
    std::uint64_t v = (x & 0x0F0F0F0F0F0F0F0Full) + ((x >> 6) & kOnes) * 9;
    v = __builtin_bswap64(v);  // the last digit, least significant, to the lowest byte
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFull;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFull;
    return v;
}

}  // namespace

void encode_payload(char* out, std::size_t size, const Payload& p) {
    out[0] = 'L';
    put_hex(out + 1, 6, p.publisher);
    put_hex(out + 7, 12, p.seq);
    put_hex(out + 19, 16, p.sent_ns);
    if (size > kPayloadHeader) {
        std::memset(out + kPayloadHeader, '.', size - kPayloadHeader);
    }
}

void append_payload(std::string& out, std::size_t size, const Payload& p) {
    const std::size_t at = out.size();
    out.resize(at + size);
    encode_payload(out.data() + at, size, p);
}

void restamp_payload(char* payload, std::uint64_t seq, std::uint64_t sent_ns) {
    put_hex(payload + 7, 12, seq);
    put_hex(payload + 19, 16, sent_ns);
}

std::optional<Payload> decode_payload(std::string_view b) {
    if (b.size() < kPayloadHeader || b[0] != 'L') {
        return std::nullopt;
    }
    // The 34 digits at 1..34, in five overlapping loads.
    const char* p = b.data();
    const std::uint64_t a1 = load8(p + 1), a2 = load8(p + 9), a3 = load8(p + 17),
                        a4 = load8(p + 25), a5 = load8(p + 27);
    if (!(hex8_ok(a1) && hex8_ok(a2) && hex8_ok(a3) && hex8_ok(a4) && hex8_ok(a5))) {
        return std::nullopt;
    }
    Payload out;
    out.publisher = static_cast<std::uint32_t>(hex8(a1) >> 8);           // digits 1..6
    out.seq = (hex8(load8(p + 7)) << 16) | (hex8(load8(p + 15)) >> 16);  // 7..18
    out.sent_ns = (hex8(load8(p + 19)) << 32) | hex8(a5);                // 19..34
    return out;
}

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace parley::load
