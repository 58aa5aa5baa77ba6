// Fuzzes MessageReader (shared/websocket/frame.hpp): every byte a browser sends to /ws after
// the handshake, and every byte the server sends to a client reader (load tools, tests).
//
// Input: the bytes, then (taken from its end with FuzzedDataProvider) the role, whether the
// bytes are the stream itself or a description of frames to encode (below), the message size
// limit, where to cut the stream in two and the seed of random cuts.
// Checks, beyond crashes and sanitizer reports:
// - the stream fed whole, fed in two pieces cut at a point taken from the input, and fed in
//   chunks cut at random gives the same sequence of messages, control frames and failures;
// - that sequence is the one a plain reference of the rules computes over the whole stream
//   (RFC 6455 5.2 frame by frame, a byte-at-a-time UTF-8 decoder), failures' codes included;
// - a text or binary message is never longer than the limit, and a text one is valid UTF-8;
//   a ping or pong payload is at most 125 bytes;
// - a Close's code is valid_close_code or 1005 (none sent), its reason UTF-8 of at most 123
//   bytes; a failure's code is 1002, 1007 or 1009, with a reason;
// - nothing follows a Close or a failure, and done() says so;
// - once next() returns false, the reader holds at most the limit + 139 bytes (buffered());
// - every message and Close, written again with the writers (masked_frame for the server's
//   reader, frame and close_frame for a client's), reads back the same.
//
// Frames mode encodes frames from the input so that most of them get past the header checks:
// per frame, a first byte (FIN, opcode; reserved bits cleared), a length byte (200 and above
// make lengths up to 16 KiB) and that many payload bytes, masked for the server's reader.
//
// Seeds (corpus/websocket): RFC 6455 5.7's examples, what Chromium and Firefox send (masked
// text, ping, close), fragmented messages with control frames between them, UTF-8 split
// across fragments, and each refusal.

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/text.hpp"
#include "shared/websocket/frame.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace ws = parley::ws;
using Kind = ws::Incoming::Kind;

namespace {

struct Got {
    Kind kind;
    std::string payload;
    std::uint16_t code;
    std::string problem;
    bool operator==(const Got&) const = default;
};

void check_incoming(const ws::Incoming& in, std::size_t max) {
    switch (in.kind) {
        case Kind::text:
            FUZZ_CHECK(parley::valid_utf8(in.payload));
            [[fallthrough]];
        case Kind::binary:
            FUZZ_CHECK(in.payload.size() <= max);
            break;
        case Kind::ping:
        case Kind::pong:
            FUZZ_CHECK(in.payload.size() <= 125);
            break;
        case Kind::close:
            FUZZ_CHECK(ws::valid_close_code(in.code) || in.code == ws::close_code::no_status);
            FUZZ_CHECK(in.payload.size() <= 123 && parley::valid_utf8(in.payload));
            FUZZ_CHECK(in.code != ws::close_code::no_status || in.payload.empty());
            break;
        case Kind::failure:
            FUZZ_CHECK(in.code == ws::close_code::protocol_error ||
                       in.code == ws::close_code::invalid_data ||
                       in.code == ws::close_code::too_big);
            FUZZ_CHECK(!in.problem.empty());
            break;
    }
}

std::vector<Got> read(const std::vector<std::string_view>& chunks, std::size_t max, ws::Role role) {
    ws::MessageReader reader(max, role);
    std::vector<Got> got;
    ws::Incoming in;
    for (std::string_view chunk : chunks) {
        reader.feed(chunk);
        while (reader.next(in)) {
            FUZZ_CHECK(got.empty() ||
                       (got.back().kind != Kind::close && got.back().kind != Kind::failure));
            check_incoming(in, max);
            got.push_back({in.kind, std::string(in.payload), in.code, std::string(in.problem)});
            FUZZ_CHECK(reader.done() == (in.kind == Kind::close || in.kind == Kind::failure));
        }
        FUZZ_CHECK(!reader.next(in));  // false stays false until more bytes come
        // Memory is bounded by the limit, whatever the frames claim.
        FUZZ_CHECK(reader.buffered() <= max + 14 + 125);
    }
    return got;
}

// RFC 6455 5.2 and the reader's rules (frame.hpp) restated plainly over the whole stream, one
// frame at a time, with a byte-at-a-time UTF-8 decoder (Unicode table 3-7) over each text
// message: what the reader must return, failures reported without their reason. A failure
// is found at the first frame whose bytes prove it, in the order the header is read.
class Utf8Decoder {
  public:
    bool take(unsigned char b) {
        if (need_ > 0) {
            if (b < lo_ || b > hi_) {
                return false;
            }
            --need_;
            lo_ = 0x80;
            hi_ = 0xBF;
            return true;
        }
        if (b < 0x80) {
            return true;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            need_ = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need_ = 2;
            lo_ = b == 0xE0 ? 0xA0 : 0x80;  // overlong
            hi_ = b == 0xED ? 0x9F : 0xBF;  // surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            need_ = 3;
            lo_ = b == 0xF0 ? 0x90 : 0x80;  // overlong
            hi_ = b == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
        } else {
            return false;
        }
        return true;
    }
    bool between_characters() const { return need_ == 0; }

  private:
    int need_ = 0;
    unsigned char lo_ = 0x80;
    unsigned char hi_ = 0xBF;
};

std::vector<Got> reference(std::string_view s, std::size_t max, ws::Role role) {
    std::vector<Got> out;
    auto fail = [&](std::uint16_t code) {
        out.push_back({Kind::failure, "", code, ""});
        return out;
    };
    std::size_t pos = 0;
    bool in_message = false;
    bool message_text = false;
    std::string message;
    Utf8Decoder utf8;
    for (;;) {
        if (s.size() - pos < 2) {
            return out;
        }
        const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
        const bool fin = byte(0) >> 7;
        const unsigned rsv = (byte(0) >> 4) & 7;
        const unsigned op = byte(0) & 0xF;
        const bool mask = byte(1) >> 7;
        const unsigned len7 = byte(1) & 0x7F;
        const bool control = op >= 8;
        if (rsv != 0 || !(op <= 2 || (op >= 8 && op <= 10)) || (control && (!fin || len7 > 125)) ||
            mask != (role == ws::Role::server) || (op == 0 && !in_message) ||
            ((op == 1 || op == 2) && in_message)) {
            return fail(ws::close_code::protocol_error);
        }
        const std::size_t n = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        if (s.size() - pos < 2 + n) {
            return out;
        }
        std::uint64_t len = n == 0 ? len7 : 0;
        for (std::size_t i = 0; i < n; ++i) {
            len = len * 256 + byte(2 + i);
        }
        if (len >= (std::uint64_t{1} << 63)) {
            return fail(ws::close_code::protocol_error);
        }
        if (!control && message.size() + len > max) {
            return fail(ws::close_code::too_big);
        }
        const std::size_t head = 2 + n + (mask ? 4 : 0);
        if (s.size() - pos < head || s.size() - pos - head < len) {
            return out;
        }
        std::string payload(s.substr(pos + head, len));
        for (std::size_t i = 0; mask && i < payload.size(); ++i) {
            payload[i] = static_cast<char>(payload[i] ^ byte(2 + n + i % 4));
        }
        pos += head + len;
        if (op == 9 || op == 10) {
            out.push_back({op == 9 ? Kind::ping : Kind::pong, payload, 0, ""});
            continue;
        }
        if (op == 8) {
            if (payload.empty()) {
                out.push_back({Kind::close, "", ws::close_code::no_status, ""});
                return out;
            }
            if (payload.size() == 1) {
                return fail(ws::close_code::protocol_error);
            }
            const auto code =
                static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) * 256 +
                                           static_cast<unsigned char>(payload[1]));
            if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                  (code >= 3000 && code <= 4999))) {
                return fail(ws::close_code::protocol_error);
            }
            Utf8Decoder reason;
            for (std::size_t i = 2; i < payload.size(); ++i) {
                if (!reason.take(static_cast<unsigned char>(payload[i]))) {
                    return fail(ws::close_code::invalid_data);
                }
            }
            if (!reason.between_characters()) {
                return fail(ws::close_code::invalid_data);
            }
            out.push_back({Kind::close, payload.substr(2), code, ""});
            return out;
        }
        if (op != 0) {
            in_message = true;
            message_text = op == 1;
            utf8 = Utf8Decoder();
        }
        for (char c : payload) {
            if (message_text && !utf8.take(static_cast<unsigned char>(c))) {
                return fail(ws::close_code::invalid_data);
            }
        }
        message += payload;
        if (fin) {
            if (message_text && !utf8.between_characters()) {
                return fail(ws::close_code::invalid_data);
            }
            out.push_back({message_text ? Kind::text : Kind::binary, message, 0, ""});
            in_message = false;
            message.clear();
        }
    }
}

// The reader's results without the failures' reasons, to compare with the reference.
std::vector<Got> without_reasons(std::vector<Got> got) {
    for (Got& g : got) {
        g.problem.clear();
    }
    return got;
}

// Writes a frame with this harness's own encoder (shortest length, mask if asked).
void encode(std::string& out, unsigned char b0, std::string_view payload, bool mask) {
    out.push_back(static_cast<char>(b0));
    const unsigned char m = mask ? 0x80 : 0;
    const std::size_t n = payload.size();
    if (n < 126) {
        out.push_back(static_cast<char>(m | n));
    } else {
        out.push_back(static_cast<char>(m | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    }
    const unsigned char key[4] = {0x5A, 0xC3, 0x01, 0xFF};
    if (mask) {
        out.append(reinterpret_cast<const char*>(key), 4);
    }
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(static_cast<char>(payload[i] ^ (mask ? key[i & 3] : 0)));
    }
}

std::string frames_from(std::string_view in, bool mask) {
    std::string out;
    while (in.size() >= 2) {
        const auto b0 = static_cast<unsigned char>(in[0] & 0x8F);
        const auto l = static_cast<unsigned char>(in[1]);
        in.remove_prefix(2);
        const std::size_t want = l < 200 ? l : (l - 199u) * 300u;
        const std::string_view payload = in.substr(0, want);
        in.remove_prefix(payload.size());
        encode(out, b0, payload, mask);
    }
    return out;
}

// A message or Close written again reads back the same.
void check_round_trip(const Got& g, std::size_t max, ws::Role role) {
    std::string bytes;
    const bool server = role == ws::Role::server;
    const std::array<std::uint8_t, 4> key = {1, 2, 3, 4};
    if (g.kind == Kind::text || g.kind == Kind::binary || g.kind == Kind::ping ||
        g.kind == Kind::pong) {
        const ws::Opcode op = g.kind == Kind::text     ? ws::Opcode::text
                              : g.kind == Kind::binary ? ws::Opcode::binary
                              : g.kind == Kind::ping   ? ws::Opcode::ping
                                                       : ws::Opcode::pong;
        bytes = server ? ws::masked_frame(op, g.payload, key) : ws::frame(op, g.payload);
    } else if (g.kind == Kind::close && !server) {
        bytes = ws::close_frame(g.code, g.payload);
    } else {
        return;
    }
    const std::vector<Got> again = read({bytes}, max, role);
    FUZZ_CHECK(again.size() == 1 && again[0] == g);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const ws::Role role = fdp.ConsumeBool() ? ws::Role::client : ws::Role::server;
    const bool frames = fdp.ConsumeBool();
    const std::size_t max = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<std::size_t>(0, 300)
                                              : fdp.ConsumeIntegralInRange<std::size_t>(0, 70000);
    const auto cut_at = fdp.ConsumeIntegral<std::uint16_t>();
    const auto seed = fdp.ConsumeIntegral<std::uint64_t>();
    const std::string rest = fdp.ConsumeRemainingBytesAsString();
    const std::string stream = frames ? frames_from(rest, role == ws::Role::server) : rest;
    const std::string_view s(stream);

    const std::vector<Got> whole = read({s}, max, role);
    const std::size_t cut = s.empty() ? 0 : cut_at % (s.size() + 1);
    FUZZ_CHECK(read({s.substr(0, cut), s.substr(cut)}, max, role) == whole);
    FUZZ_CHECK(read(parley::fuzz::split(s, seed), max, role) == whole);
    FUZZ_CHECK(without_reasons(whole) == reference(s, max, role));
    for (const Got& g : whole) {
        check_round_trip(g, max, role);
    }
    return 0;
}
