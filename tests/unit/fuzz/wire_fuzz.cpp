// Fuzzes wire::parse (shared/wire.hpp), the parser of the server's lines that the load client
// and the tests use, together with the append_* formatters it must invert.
//
// Input: one received line, and also the fields of a line to format (read from it with
// FuzzedDataProvider). Checks, beyond crashes and sanitizer reports:
// - parse: every field is a view into the line; a timestamp is HH:MM:SS; a room line has a
//   room starting with '#' and a nick, holding no space; a line that is not Parley's keeps all
//   its text and no other field; the line ending (none, LF or CRLF) changes nothing;
// - every line the formatters write, with or without a timestamp, for any valid room and nick,
//   kebab-case error code and text without LF, parses back to the same kind and fields (the
//   text with its TABs turned into spaces, as the formatters send it).

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/names.hpp"
#include "shared/wire.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace wire = parley::wire;
using parley::fuzz::inside;
using wire::Kind;

namespace {

bool same(const wire::Line& a, const wire::Line& b) {
    return a.kind == b.kind && a.timestamp == b.timestamp && a.room == b.room && a.nick == b.nick &&
           a.code == b.code && a.text == b.text;
}

void check_parse(std::string_view s) {
    const wire::Line line = wire::parse(s);
    FUZZ_CHECK(inside(line.timestamp, s) && inside(line.room, s) && inside(line.nick, s) &&
               inside(line.code, s) && inside(line.text, s));
    if (!line.timestamp.empty()) {
        const std::string_view t = line.timestamp;
        FUZZ_CHECK(t.size() == 8 && t[2] == ':' && t[5] == ':');
    }
    switch (line.kind) {
        case Kind::room_message:
        case Kind::room_action:
            FUZZ_CHECK(line.room.size() >= 2 && line.room[0] == '#');
            FUZZ_CHECK(line.room.find(' ') == std::string_view::npos);
            FUZZ_CHECK(!line.nick.empty() && line.nick.find(' ') == std::string_view::npos);
            break;
        case Kind::private_message:
        case Kind::private_echo:
            FUZZ_CHECK(!line.nick.empty() &&
                       line.nick.find_first_of(" *") == std::string_view::npos);
            FUZZ_CHECK(line.room.empty());
            break;
        case Kind::error:
            FUZZ_CHECK(line.code.find_first_of(": ") == std::string_view::npos);
            break;
        case Kind::unknown:
            FUZZ_CHECK(line.room.empty() && line.nick.empty() && line.code.empty());
            FUZZ_CHECK(line.text.data() + line.text.size() == s.data() + s.size() ||
                       s.ends_with('\n') || s.ends_with('\r'));
            break;
        default:
            break;
    }
    if (!s.ends_with('\r') && !s.ends_with('\n')) {
        FUZZ_CHECK(same(wire::parse(std::string(s) + "\n"), line));
        FUZZ_CHECK(same(wire::parse(std::string(s) + "\r\n"), line));
    }
}

// A string of 1..max characters from `alphabet`.
std::string word(FuzzedDataProvider& in, std::string_view alphabet, std::size_t max) {
    std::string s(in.ConsumeIntegralInRange<std::size_t>(1, max), ' ');
    for (char& c : s) {
        c = alphabet[in.ConsumeIntegral<std::uint8_t>() % alphabet.size()];
    }
    return s;
}

void check_round_trip(FuzzedDataProvider& in) {
    constexpr std::string_view letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const auto kind = static_cast<Kind>(in.ConsumeIntegralInRange(0, 6));
    const bool timestamps = in.ConsumeBool();
    // Within ±126 years of 1970, so that the time point does not overflow nanoseconds.
    const auto seconds = in.ConsumeIntegralInRange<std::int64_t>(-4'000'000'000, 4'000'000'000);
    const std::string room = "#" + word(in, "abcxyzABCXYZ0189_-.", parley::max_room_length - 1);
    const std::string nick =
        word(in, letters, 1) + word(in, "abcxyzABCXYZ0189_-", parley::max_nick_length - 1);
    const std::string code = word(in, "abcdefghijklmnopqrstuvwxyz-", 24);
    std::string text = in.ConsumeRandomLengthString(512);
    std::erase(text, '\n');  // one line: the receiver splits at LF
    FUZZ_CHECK(!parley::room_problem(room) && !parley::nick_problem(nick));

    std::string out;
    if (timestamps) {
        wire::append_timestamp(
            out, std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
    }
    wire::Line want;
    want.kind = kind;
    switch (kind) {
        case Kind::room_message:
            wire::append_room_message(out, room, nick, text);
            want.room = room;
            want.nick = nick;
            break;
        case Kind::room_action:
            wire::append_room_action(out, room, nick, text);
            want.room = room;
            want.nick = nick;
            break;
        case Kind::private_message:
            wire::append_private(out, nick, text);
            want.nick = nick;
            break;
        case Kind::private_echo:
            wire::append_private_echo(out, nick, text);
            want.nick = nick;
            break;
        case Kind::notice:
            wire::append_notice(out, text);
            break;
        case Kind::info:
            wire::append_info(out, text);
            break;
        default:
            wire::append_error(out, code, text);
            want.code = code;
            break;
    }
    FUZZ_CHECK(out.ends_with("\r\n"));
    FUZZ_CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    std::string sent = text;
    std::replace(sent.begin(), sent.end(), '\t', ' ');
    want.text = sent;

    const wire::Line got = wire::parse(out);
    FUZZ_CHECK(got.timestamp.size() == (timestamps ? 8 : 0));
    want.timestamp = got.timestamp;
    FUZZ_CHECK(same(got, want));
    if (timestamps) {
        const auto of_day = ((seconds % 86400) + 86400) % 86400;
        const auto number = [&](std::size_t at) {
            return (got.timestamp[at] - '0') * 10 + (got.timestamp[at + 1] - '0');
        };
        FUZZ_CHECK(number(0) * 3600 + number(3) * 60 + number(6) == of_day);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check_parse(std::string_view(reinterpret_cast<const char*>(data), size));
    FuzzedDataProvider in(data, size);
    check_round_trip(in);
    return 0;
}
