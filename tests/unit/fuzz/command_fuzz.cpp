// Fuzzes cmd::parse (shared/command.hpp), which turns a line a client typed into a command.
//
// Input: the line. Checks, beyond crashes and sanitizer reports:
// - every view in the result points into the line, and parsing is pure (twice, same result);
// - the shapes docs/protocol.md promises: a Say's text is the line (less the first '/' of
//   "//text"); one-word arguments (/nick, /join, /who, the nick of /msg) hold no blank and free
//   text holds none at either end; an error's code is "usage" or "unknown-command";
// - command names are case-insensitive: the line with its command name's case changed parses
//   to the same command;
// - every command formats back to a line (`format` below, the canonical way to type it) that
//   parses to the same command.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "shared/command.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace cmd = parley::cmd;
using parley::fuzz::inside;

namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

bool blank(char c) {
    return c == ' ' || c == '\t';
}
bool one_word(std::string_view s) {
    return !s.empty() && s.find_first_of(" \t") == std::string_view::npos;
}
bool trimmed(std::string_view s) {
    return s.empty() || (!blank(s.front()) && !blank(s.back()));
}

// "/name" or "/name ARGS": the line a user would type for the command.
std::string typed(std::string_view name, std::string_view args = {}) {
    std::string line = "/";
    line.append(name);
    if (!args.empty()) {
        line.append(" ").append(args);
    }
    return line;
}

std::string format(const cmd::Command& c) {
    return std::visit(overloaded{
                          [](const cmd::Say& s) {
                              return (s.text.starts_with('/') ? "/" : "") + std::string(s.text);
                          },
                          [](const cmd::Help&) { return typed("help"); },
                          [](const cmd::Nick& n) { return typed("nick", n.name); },
                          [](const cmd::Join& j) { return typed("join", j.room); },
                          [](const cmd::Leave&) { return typed("leave"); },
                          [](const cmd::Rooms&) { return typed("rooms"); },
                          [](const cmd::Who& w) { return typed("who", w.room); },
                          [](const cmd::Msg& m) {
                              return typed("msg", std::string(m.nick) + " " + std::string(m.text));
                          },
                          [](const cmd::Me& m) { return typed("me", m.action); },
                          [](const cmd::Topic& t) { return typed("topic", t.text); },
                          [](const cmd::History& h) {
                              return h.count == 0 ? typed("history")
                                                  : typed("history", std::to_string(h.count));
                          },
                          [](const cmd::Quit& q) { return typed("quit", q.reason); },
                          [](const cmd::Empty&) { return std::string(); },
                          [](const cmd::Error& e) { return "error " + e.code + ": " + e.message; },
                      },
                      c);
}

// Everything a command holds, as one string, so that two commands compare by value.
std::string describe(const cmd::Command& c) {
    return std::to_string(c.index()) + "|" + format(c);
}

// Checks the shape of a parsed command and that its views point into `line`.
void check_shape(std::string_view line, const cmd::Command& c) {
    std::visit(
        overloaded{
            [&](const cmd::Say& s) {
                FUZZ_CHECK(inside(s.text, line));
                FUZZ_CHECK(s.text == (line.starts_with("//") ? line.substr(1) : line));
            },
            [&](const cmd::Nick& n) { FUZZ_CHECK(inside(n.name, line) && one_word(n.name)); },
            [&](const cmd::Join& j) { FUZZ_CHECK(inside(j.room, line) && one_word(j.room)); },
            [&](const cmd::Who& w) {
                FUZZ_CHECK(inside(w.room, line) && (w.room.empty() || one_word(w.room)));
            },
            [&](const cmd::Msg& m) {
                FUZZ_CHECK(inside(m.nick, line) && one_word(m.nick));
                FUZZ_CHECK(inside(m.text, line) && !m.text.empty() && trimmed(m.text));
            },
            [&](const cmd::Me& m) {
                FUZZ_CHECK(inside(m.action, line) && !m.action.empty() && trimmed(m.action));
            },
            [&](const cmd::Topic& t) { FUZZ_CHECK(inside(t.text, line) && trimmed(t.text)); },
            [&](const cmd::Quit& q) { FUZZ_CHECK(inside(q.reason, line) && trimmed(q.reason)); },
            [&](const cmd::Empty&) {
                FUZZ_CHECK(line.find_first_not_of(" \t") == std::string_view::npos);
            },
            [&](const cmd::Error& e) {
                FUZZ_CHECK(e.code == "usage" || e.code == "unknown-command");
                FUZZ_CHECK(!e.message.empty());
            },
            [](const auto&) {},
        },
        c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const cmd::Command c = cmd::parse(line);
    check_shape(line, c);
    FUZZ_CHECK(describe(cmd::parse(line)) == describe(c));

    // The command name in another case: every letter of it flipped.
    if (line.starts_with('/') && !line.starts_with("//")) {
        std::string flipped(line);
        for (std::size_t i = 1; i < flipped.size() && !blank(flipped[i]); ++i) {
            char& ch = flipped[i];
            if (ch >= 'a' && ch <= 'z') {
                ch = static_cast<char>(ch - 'a' + 'A');
            } else if (ch >= 'A' && ch <= 'Z') {
                ch = static_cast<char>(ch - 'A' + 'a');
            }
        }
        const cmd::Command other = cmd::parse(flipped);
        FUZZ_CHECK(other.index() == c.index());
        if (!std::holds_alternative<cmd::Error>(c)) {
            FUZZ_CHECK(describe(other) == describe(c));
        }
    }

    if (!std::holds_alternative<cmd::Error>(c)) {
        const std::string canonical = format(c);
        const cmd::Command again = cmd::parse(canonical);
        check_shape(canonical, again);
        FUZZ_CHECK(describe(again) == describe(c));
    }
    return 0;
}
