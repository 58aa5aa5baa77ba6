#include "shared/websocket/frame.hpp"

#include <cstring>

#include "shared/text.hpp"

namespace parley::ws {

namespace {

bool is_control(unsigned op) {
    return (op & 0x8) != 0;
}

bool known_opcode(unsigned op) {
    switch (static_cast<Opcode>(op)) {
        case Opcode::continuation:
        case Opcode::text:
        case Opcode::binary:
        case Opcode::close:
        case Opcode::ping:
        case Opcode::pong:
            return true;
    }
    return false;
}

// XORs `n` bytes at `p` with the 4-byte `mask` (RFC 6455 5.3), eight bytes at a time.
void apply_mask(char* p, std::size_t n, const unsigned char* mask) {
    unsigned char m8[8];
    for (int i = 0; i < 8; ++i) {
        m8[i] = mask[i & 3];
    }
    std::uint64_t m;
    std::memcpy(&m, m8, sizeof m);
    std::size_t i = 0;
    for (; n - i >= 8; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, sizeof w);
        w ^= m;
        std::memcpy(p + i, &w, sizeof w);
    }
    for (; i < n; ++i) {
        p[i] = static_cast<char>(p[i] ^ mask[i & 3]);
    }
}

// The incremental UTF-8 check of a fragmented text message. The state is what the bytes so
// far leave pending: 0 between characters, else (continuation bytes still needed << 16) |
// (lowest allowed next byte << 8) | highest allowed next byte. The bounds of the first
// continuation byte rule out overlong forms, surrogates and code points above U+10FFFF
// (Unicode table 3-7), so a sequence is refused at its first wrong byte (RFC 6455 8.1: fail
// fast), not only once it is complete.
constexpr std::uint32_t pending(std::uint32_t need, std::uint32_t lo, std::uint32_t hi) {
    return need << 16 | lo << 8 | hi;
}

bool utf8_bytes(std::uint32_t& state, const unsigned char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned b = s[i];
        if (state != 0) {
            if (b < ((state >> 8) & 0xFF) || b > (state & 0xFF)) {
                return false;
            }
            const std::uint32_t need = (state >> 16) - 1;
            state = need == 0 ? 0 : pending(need, 0x80, 0xBF);
        } else if (b < 0x80) {
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            state = pending(1, 0x80, 0xBF);
        } else if (b == 0xE0) {
            state = pending(2, 0xA0, 0xBF);
        } else if (b == 0xED) {
            state = pending(2, 0x80, 0x9F);
        } else if (b >= 0xE1 && b <= 0xEF) {
            state = pending(2, 0x80, 0xBF);
        } else if (b == 0xF0) {
            state = pending(3, 0x90, 0xBF);
        } else if (b >= 0xF1 && b <= 0xF3) {
            state = pending(3, 0x80, 0xBF);
        } else if (b == 0xF4) {
            state = pending(3, 0x80, 0x8F);
        } else {
            return false;
        }
    }
    return true;
}

// Checks one fragment: the bytes that finish a pending sequence and those of a sequence the
// fragment leaves unfinished go byte by byte; whole characters between them go through
// valid_utf8, which is fast on ASCII.
bool utf8_fragment(std::uint32_t& state, std::string_view fragment) {
    const auto* s = reinterpret_cast<const unsigned char*>(fragment.data());
    std::size_t n = fragment.size();
    std::size_t i = 0;
    while (state != 0 && i < n) {
        if (!utf8_bytes(state, s + i, 1)) {
            return false;
        }
        ++i;
    }
    // Where the last sequence starts, if it does not end within the fragment.
    std::size_t end = n;
    for (std::size_t back = 1; back <= 3 && back <= n - i; ++back) {
        const unsigned char b = s[n - back];
        if ((b & 0xC0) == 0x80) {
            continue;
        }
        const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (len > back) {
            end = n - back;
        }
        break;
    }
    if (!valid_utf8(fragment.substr(i, end - i))) {
        return false;
    }
    return utf8_bytes(state, s + end, n - end);
}

void append_length(std::string& out, std::size_t size, unsigned char mask_bit) {
    if (size < 126) {
        out.push_back(static_cast<char>(mask_bit | size));
    } else if (size <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(size >> 8));
        out.push_back(static_cast<char>(size & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xFF));
        }
    }
}

}  // namespace

bool valid_close_code(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

MessageReader::MessageReader(std::size_t max_message, Role role)
    : max_message_(max_message), role_(role) {}

void MessageReader::feed(std::string_view bytes) {
    if (done_) {
        return;
    }
    if (!in_message_) {
        std::string().swap(message_);  // the message returned last is no longer seen
    }
    if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(bytes);
}

bool MessageReader::fail(Incoming& out, std::uint16_t code, std::string_view problem) {
    out = Incoming{};
    out.kind = Incoming::Kind::failure;
    out.code = code;
    out.problem = problem;
    done_ = true;
    return true;
}

bool MessageReader::wait_for_more() {
    if (consumed_ == buffer_.size()) {
        std::string().swap(buffer_);  // idle: no heap memory
    } else if (consumed_ > 0) {
        // Only an unfinished frame is left: keep it in a buffer of its size, not of the read's.
        buffer_ = buffer_.substr(consumed_);
    }
    consumed_ = 0;
    return false;
}

bool MessageReader::check_first_bytes(unsigned char b0, unsigned char b1, Incoming& out) {
    const unsigned op = b0 & 0x0F;
    if ((b0 & 0x70) != 0) {
        return !fail(out, close_code::protocol_error, "reserved bits set");
    }
    if (!known_opcode(op)) {
        return !fail(out, close_code::protocol_error, "unknown opcode");
    }
    if (is_control(op)) {
        if ((b0 & 0x80) == 0) {
            return !fail(out, close_code::protocol_error, "fragmented control frame");
        }
        if ((b1 & 0x7F) > 125) {
            return !fail(out, close_code::protocol_error, "control frame over 125 bytes");
        }
    }
    const bool masked = (b1 & 0x80) != 0;
    if (role_ == Role::server && !masked) {
        return !fail(out, close_code::protocol_error, "unmasked frame");
    }
    if (role_ == Role::client && masked) {
        return !fail(out, close_code::protocol_error, "masked frame from a server");
    }
    if (op == 0 && !in_message_) {
        return !fail(out, close_code::protocol_error, "continuation frame outside a message");
    }
    if (!is_control(op) && op != 0 && in_message_) {
        return !fail(out, close_code::protocol_error, "new message inside a fragmented one");
    }
    return true;
}

bool MessageReader::take_fragment(std::string_view payload, bool fin, Incoming& out) {
    if (message_opcode_ == Opcode::text) {
        if (!utf8_fragment(utf8_state_, payload)) {
            return fail(out, close_code::invalid_data, "text is not UTF-8");
        }
        if (fin && utf8_state_ != 0) {
            return fail(out, close_code::invalid_data, "text ends inside a UTF-8 sequence");
        }
    }
    message_.append(payload);
    if (!fin) {
        return false;
    }
    in_message_ = false;
    out = Incoming{};
    out.kind = message_opcode_ == Opcode::text ? Incoming::Kind::text : Incoming::Kind::binary;
    out.payload = message_;
    return true;
}

bool MessageReader::next(Incoming& out) {
    if (done_) {
        std::string().swap(buffer_);
        std::string().swap(message_);
        consumed_ = 0;
        return false;
    }
    if (!in_message_) {
        std::string().swap(message_);
    }
    for (;;) {
        const std::size_t avail = buffer_.size() - consumed_;
        if (avail < 2) {
            return wait_for_more();
        }
        const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
        if (!check_first_bytes(p[0], p[1], out)) {
            return true;
        }
        const bool fin = (p[0] & 0x80) != 0;
        const unsigned op = p[0] & 0x0F;
        const bool masked = (p[1] & 0x80) != 0;
        const unsigned len7 = p[1] & 0x7F;
        const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        if (avail < 2 + ext) {
            return wait_for_more();
        }
        std::uint64_t len = len7;
        if (ext > 0) {
            len = 0;
            for (std::size_t i = 0; i < ext; ++i) {
                len = len << 8 | p[2 + i];
            }
        }
        if (len >> 63 != 0) {
            return fail(out, close_code::protocol_error, "frame length with the top bit set");
        }
        // The size limit, decided from the header before any of the payload is kept. A
        // message being reassembled never exceeds the limit, so the subtraction cannot wrap.
        if (!is_control(op) && len > max_message_ - (in_message_ ? message_.size() : 0)) {
            return fail(out, close_code::too_big, "message too big");
        }
        const std::size_t head = 2 + ext + (masked ? 4 : 0);
        if (avail < head || len > avail - head) {
            return wait_for_more();
        }
        char* payload = buffer_.data() + consumed_ + head;
        const auto size = static_cast<std::size_t>(len);
        if (masked) {
            apply_mask(payload, size, p + 2 + ext);
        }
        consumed_ += head + size;
        const std::string_view body(payload, size);

        switch (static_cast<Opcode>(op)) {
            case Opcode::ping:
            case Opcode::pong:
                out = Incoming{};
                out.kind = op == 0x9 ? Incoming::Kind::ping : Incoming::Kind::pong;
                out.payload = body;
                return true;
            case Opcode::close: {
                if (body.empty()) {
                    out = Incoming{};
                    out.kind = Incoming::Kind::close;
                    out.code = close_code::no_status;
                    done_ = true;
                    return true;
                }
                if (body.size() == 1) {
                    return fail(out, close_code::protocol_error, "close payload of 1 byte");
                }
                const auto code = static_cast<std::uint16_t>(
                    static_cast<unsigned char>(body[0]) << 8 | static_cast<unsigned char>(body[1]));
                if (!valid_close_code(code)) {
                    return fail(out, close_code::protocol_error, "invalid close code");
                }
                if (!valid_utf8(body.substr(2))) {
                    return fail(out, close_code::invalid_data, "close reason is not UTF-8");
                }
                out = Incoming{};
                out.kind = Incoming::Kind::close;
                out.code = code;
                out.payload = body.substr(2);
                done_ = true;
                return true;
            }
            case Opcode::text:
            case Opcode::binary:
                if (fin) {
                    // The common case: a whole message in one frame, returned where it lies.
                    if (op == 0x1 && !valid_utf8(body)) {
                        return fail(out, close_code::invalid_data, "text is not UTF-8");
                    }
                    out = Incoming{};
                    out.kind = op == 0x1 ? Incoming::Kind::text : Incoming::Kind::binary;
                    out.payload = body;
                    return true;
                }
                in_message_ = true;
                message_opcode_ = static_cast<Opcode>(op);
                utf8_state_ = 0;
                message_.clear();
                if (take_fragment(body, false, out)) {
                    return true;  // a failure
                }
                break;
            case Opcode::continuation:
                if (take_fragment(body, fin, out)) {
                    return true;
                }
                break;
        }
    }
}

std::size_t header_size(std::size_t size) {
    return size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
}

void append_frame(std::string& out, Opcode op, std::string_view payload) {
    out.reserve(out.size() + header_size(payload.size()) + payload.size());
    out.push_back(static_cast<char>(0x80 | static_cast<unsigned>(op)));
    append_length(out, payload.size(), 0);
    out.append(payload);
}

std::string frame(Opcode op, std::string_view payload) {
    std::string out;
    append_frame(out, op, payload);
    return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
    if (code == close_code::no_status) {
        return frame(Opcode::close, {});  // 1005 stands for a Close without a code
    }
    constexpr std::size_t max_reason = 125 - 2;
    if (reason.size() > max_reason) {
        std::size_t n = max_reason;
        while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) {
            --n;  // reason[n] continues a character: cut before that character starts
        }
        reason = reason.substr(0, n);
    }
    std::string payload;
    payload.reserve(2 + reason.size());
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason);
    return frame(Opcode::close, payload);
}

std::string masked_frame(Opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask,
                         bool fin) {
    std::string out;
    out.reserve(header_size(payload.size()) + 4 + payload.size());
    out.push_back(static_cast<char>((fin ? 0x80 : 0) | static_cast<unsigned>(op)));
    append_length(out, payload.size(), 0x80);
    for (std::uint8_t m : mask) {
        out.push_back(static_cast<char>(m));
    }
    const std::size_t start = out.size();
    out.append(payload);
    apply_mask(out.data() + start, payload.size(), mask.data());
    return out;
}

}  // namespace parley::ws
