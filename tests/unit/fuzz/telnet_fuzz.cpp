// Fuzzes TelnetFilter (shared/telnet.hpp), which removes telnet protocol from a client's bytes.
//
// Input: the stream, then (taken from the end) the seed of the cuts. Checks, beyond crashes and
// sanitizer reports:
// - each chunk's data, replies and interrupt flag are what a plain byte-at-a-time reference of
//   the rules in docs/protocol.md gives for that chunk, whether the stream is fed whole or in
//   chunks cut at random; so whole and cut give the same data, replies and interrupts;
// - no telnet command gets through: a 0xFF byte reaches the data only where the client escaped
//   it as IAC IAC (a literal 0xFF, which check_text then refuses as bad UTF-8), never as the
//   start of a command or negotiation;
// - the replies are only refusals, IAC DONT x or IAC WONT x, one per WILL x or DO x.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/telnet.hpp"
#include "shared/text.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace {

constexpr unsigned char IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240,
                        IP = 244, BRK = 243, ABORT = 238, EOF_ = 236;

struct Output {
    std::string data;
    std::string replies;
    bool interrupt = false;
    bool operator==(const Output&) const = default;
};

// The rules, one byte at a time, without the filter's fast paths.
class Reference {
  public:
    void filter(std::string_view chunk, Output& out) {
        out.data.clear();
        out.replies.clear();
        out.interrupt = false;
        for (const char c : chunk) {
            step(static_cast<unsigned char>(c), out);
        }
    }
    std::size_t escaped_iacs = 0;  // IAC IAC pairs seen in the data

  private:
    enum class State { data, cr, iac, option, sb, sb_iac };

    void step(unsigned char b, Output& out) {
        switch (state_) {
            case State::data:
            case State::cr:
                if (b == IAC) {
                    state_ = State::iac;
                } else if (b == 0 && state_ == State::cr) {
                    state_ = State::data;  // CR NUL is a bare CR
                } else {
                    out.data.push_back(static_cast<char>(b));
                    state_ = b == '\r' ? State::cr : State::data;
                }
                return;
            case State::iac:
                if (b == IAC) {
                    out.data.push_back(static_cast<char>(IAC));
                    ++escaped_iacs;
                    state_ = State::data;
                } else {
                    command(b, out);
                }
                return;
            case State::option:
                if (verb_ == WILL || verb_ == DO) {
                    out.replies.push_back(static_cast<char>(IAC));
                    out.replies.push_back(static_cast<char>(verb_ == WILL ? DONT : WONT));
                    out.replies.push_back(static_cast<char>(b));
                }
                state_ = State::data;
                return;
            case State::sb:
                if (b == IAC) {
                    state_ = State::sb_iac;
                }
                return;
            case State::sb_iac:
                if (b == SE) {
                    state_ = State::data;
                } else if (b == IAC) {
                    state_ = State::sb;
                } else {
                    command(b, out);
                }
                return;
        }
    }

    void command(unsigned char b, Output& out) {
        state_ = State::data;
        if (b == WILL || b == WONT || b == DO || b == DONT) {
            verb_ = b;
            state_ = State::option;
        } else if (b == SB) {
            state_ = State::sb;
        } else if (b == IP || b == BRK || b == ABORT || b == EOF_) {
            out.interrupt = true;
        }
    }

    State state_ = State::data;
    unsigned char verb_ = 0;
};

// Feeds the chunks to a filter and to the reference, checking each chunk; returns the sum.
Output run(const std::vector<std::string_view>& chunks, std::size_t* escaped_iacs) {
    parley::TelnetFilter filter;
    Reference reference;
    Output all, got, want;  // reused: fewer allocations, a faster fuzzer
    for (const std::string_view chunk : chunks) {
        got.replies.clear();
        const auto out = filter.filter(chunk, got.replies);
        got.data.assign(out.data);
        got.interrupt = out.interrupt;
        reference.filter(chunk, want);
        FUZZ_CHECK(got == want);
        all.data += got.data;
        all.replies += got.replies;
        all.interrupt = all.interrupt || got.interrupt;
    }
    *escaped_iacs = reference.escaped_iacs;
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto seed = in.ConsumeIntegral<std::uint64_t>();
    const std::string stream = in.ConsumeRemainingBytesAsString();

    std::size_t escaped = 0;
    const Output whole = run({stream}, &escaped);
    FUZZ_CHECK(run(parley::fuzz::split(stream, seed), &escaped) == whole);

    // The only 0xFF bytes let through are the escaped ones, and no line holding one passes.
    const auto iacs = static_cast<std::size_t>(
        std::count(whole.data.begin(), whole.data.end(), static_cast<char>(IAC)));
    FUZZ_CHECK(iacs == escaped);
    std::string_view rest = whole.data;
    while (!rest.empty()) {
        const std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        FUZZ_CHECK(line.find(static_cast<char>(IAC)) == std::string_view::npos ||
                   parley::check_text(line) != parley::TextProblem::none);
    }

    FUZZ_CHECK(whole.replies.size() % 3 == 0);
    for (std::size_t i = 0; i < whole.replies.size(); i += 3) {
        FUZZ_CHECK(static_cast<unsigned char>(whole.replies[i]) == IAC);
        const auto verb = static_cast<unsigned char>(whole.replies[i + 1]);
        FUZZ_CHECK(verb == DONT || verb == WONT);
    }
    return 0;
}
