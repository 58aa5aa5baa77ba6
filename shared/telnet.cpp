#include "shared/telnet.hpp"

#include <cstring>

namespace parley {

namespace {

constexpr unsigned char IAC = 255;
constexpr unsigned char DONT = 254;
constexpr unsigned char DO = 253;
constexpr unsigned char WONT = 252;
constexpr unsigned char WILL = 251;
constexpr unsigned char SB = 250;
constexpr unsigned char SE = 240;
constexpr unsigned char IP = 244;
constexpr unsigned char BRK = 243;
constexpr unsigned char ABORT = 238;
constexpr unsigned char EOF_ = 236;

}  // namespace

TelnetFilter::Output TelnetFilter::filter(std::string_view chunk, std::string& replies) {
    Output result;
    // The previous output is dead now. A connection that once sent a big chunk with telnet
    // bytes in it should not keep a buffer of that size for the rest of its life.
    if (out_ && out_->capacity() > 4096) {
        out_.reset();
    }
    if (chunk.empty()) {
        result.data = chunk;
        return result;
    }
    const char* const p = chunk.data();
    const std::size_t n = chunk.size();

    // Fast path: plain data, no IAC and no NUL (so no CR NUL to drop, whatever came before).
    if ((state_ == State::data || state_ == State::cr) && std::memchr(p, IAC, n) == nullptr &&
        std::memchr(p, 0, n) == nullptr) {
        state_ = p[n - 1] == '\r' ? State::cr : State::data;
        result.data = chunk;
        return result;
    }

    if (!out_) {
        out_ = std::make_unique<std::string>();
    }
    std::string& out = *out_;
    out.clear();
    out.reserve(n);
    std::size_t i = 0;

    // The byte after IAC (outside or inside a subnegotiation) that is not SE, SB or IAC.
    auto command = [&](unsigned char b) {
        switch (b) {
            case WILL:
            case WONT:
            case DO:
            case DONT:
                verb_ = b;
                state_ = State::option;
                return;
            case SB:
                state_ = State::sb;
                return;
            case IP:
            case BRK:
            case ABORT:
            case EOF_:
                result.interrupt = true;
                break;
            default:  // NOP, DM, AYT, EC, EL, GA, SE and anything unknown: dropped
                break;
        }
        state_ = State::data;
    };

    while (i < n) {
        switch (state_) {
            case State::data:
            case State::cr: {
                // Copy the run of data up to the next IAC, dropping every NUL right after a CR.
                const void* iac = std::memchr(p + i, IAC, n - i);
                const std::size_t end = iac != nullptr ? static_cast<const char*>(iac) - p : n;
                std::size_t from = i;
                if (from < end && state_ == State::cr && p[from] == '\0') {
                    ++from;
                }
                std::size_t pos = from;
                while (pos < end) {
                    const void* z = std::memchr(p + pos, 0, end - pos);
                    if (z == nullptr) {
                        break;
                    }
                    const std::size_t k = static_cast<const char*>(z) - p;
                    if (k > from && p[k - 1] == '\r') {
                        out.append(p + from, k - from);
                        from = k + 1;
                    }
                    pos = k + 1;
                }
                out.append(p + from, end - from);
                if (end > i) {
                    // A dropped NUL is not a CR, so the last raw byte decides.
                    state_ = p[end - 1] == '\r' ? State::cr : State::data;
                }
                i = end;
                if (iac != nullptr) {
                    state_ = State::iac;
                    ++i;
                }
                break;
            }
            case State::iac: {
                const auto b = static_cast<unsigned char>(p[i++]);
                if (b == IAC) {
                    out.push_back(static_cast<char>(IAC));
                    state_ = State::data;
                } else {
                    command(b);
                }
                break;
            }
            case State::option: {
                const auto option = static_cast<char>(p[i++]);
                if (verb_ == WILL) {
                    const char reply[] = {static_cast<char>(IAC), static_cast<char>(DONT), option};
                    replies.append(reply, sizeof reply);
                } else if (verb_ == DO) {
                    const char reply[] = {static_cast<char>(IAC), static_cast<char>(WONT), option};
                    replies.append(reply, sizeof reply);
                }
                state_ = State::data;
                break;
            }
            case State::sb: {
                // Subnegotiation payload is skipped, never stored.
                const void* iac = std::memchr(p + i, IAC, n - i);
                if (iac == nullptr) {
                    i = n;
                } else {
                    i = static_cast<const char*>(iac) - p + 1;
                    state_ = State::sb_iac;
                }
                break;
            }
            case State::sb_iac: {
                const auto b = static_cast<unsigned char>(p[i++]);
                if (b == SE) {
                    state_ = State::data;
                } else if (b == IAC) {
                    state_ = State::sb;  // an escaped 0xFF inside the payload
                } else {
                    // A malformed subnegotiation: end it and take this as a command, so that
                    // IAC IP still works even after a broken or unterminated IAC SB.
                    command(b);
                }
                break;
            }
        }
    }
    result.data = out;
    return result;
}

}  // namespace parley
