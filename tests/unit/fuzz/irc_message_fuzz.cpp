// Fuzzes the IRC code of shared/irc/: parse and check_length (every line an IRC client sends),
// the tags, the formatter that must invert parse, and the text helpers the front end applies to
// message text (split_utf8, strip_formatting, CTCP, casefold) and to masks (mask_match,
// normalise_mask).
//
// Input: one received line; the limits (tags part, piece size) and a mask and subject are
// also read from it with FuzzedDataProvider. Checks, beyond crashes and sanitizer reports:
// - parse: every part is a view into the line; a parsed command is letters or three digits and
//   is() finds it in upper case; at most 15 parameters; middle parameters are non-empty, hold no
//   space and do not start with ':'; tags and source hold no space; tags_too_long exactly when
//   check_length says the tags part is over the limit;
// - tags: every key and raw value is a view into the tags, holds no ';'; find_tag gives the last
//   value of a key; escaping an unescaped value gives a value holding no ';', space, CR or LF
//   that unescapes to the same;
// - format: a parsed line formatted again is one line ending in CRLF (whatever the parts hold)
//   and, when it held no CR, LF or NUL, parses to the same tags, source, command and parameters
//   (with Trailing::always too), and formatting that gives the same bytes again;
// - split_utf8: pieces are non-empty, within the limit, in order, cover the text with at most
//   one space dropped between two of them, are valid UTF-8 when the text is, and a cut that is
//   not at a space leaves the piece at most 3 bytes short of the limit;
// - strip_formatting agrees with a plain byte-at-a-time reference, leaves no formatting code,
//   keeps valid UTF-8 valid and changes nothing in a text without codes;
// - CTCP: an action is a CTCP message named ACTION in any case, a request any other one; an
//   action built with append_ctcp_action gives its text back;
// - casefold keeps the length, is idempotent, and casefold_equal holds between a text and it;
// - mask_match agrees with a dynamic-programming reference on short masks and subjects over an
//   alphabet of wildcards and separators, ignores case, and matches any text against itself;
//   normalise_mask gives "nick!user@host" with non-empty parts and is idempotent.
//
// Seeds (corpus/irc_message): irssi-* and weechat-* are lines irssi 1.4.3 and WeeChat 3.8 sent
// to a logging test server (registration with CAP, JOIN, MODE, WHOX, PRIVMSG with /me and CTCP,
// NOTICE, TOPIC, KICK, PONG, QUIT...); hexchat-* are HexChat 2.16.2's format strings
// (src/common/proto-irc.c, inbound.c) filled in; tags-* have the shapes of the IRCv3 specs
// (reply, label, typing, react, escapes); server-* and text-* are the edges of the grammar and
// of message text (15 and 16 parameters, several spaces, formatting codes, UTF-8, masks).

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shared/irc/format.hpp"
#include "shared/irc/mask.hpp"
#include "shared/irc/message.hpp"
#include "shared/irc/tags.hpp"
#include "shared/irc/text.hpp"
#include "shared/text.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace irc = parley::irc;
using irc::ParseError;
using parley::fuzz::inside;

namespace {

constexpr auto npos = std::string_view::npos;

bool letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}
bool hex(char c) {
    return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

bool same_parts(const irc::Message& a, const irc::Message& b) {
    return a.tags == b.tags && a.source == b.source && a.command == b.command &&
           std::equal(a.params().begin(), a.params().end(), b.params().begin(), b.params().end());
}

void check_tags(std::string_view tags) {
    std::map<std::string_view, std::string_view> last;
    irc::TagReader reader(tags);
    for (irc::Tag tag; reader.next(tag);) {
        FUZZ_CHECK(inside(tag.key, tags) && inside(tag.raw_value, tags));
        FUZZ_CHECK(tag.key.find(';') == npos && tag.raw_value.find(';') == npos);
        last[tag.key] = tag.raw_value;

        const std::string value = irc::unescape_tag_value(tag.raw_value);
        std::string escaped;
        irc::escape_tag_value(value, escaped);
        FUZZ_CHECK(escaped.find_first_of(std::string_view("; \r\n", 4)) == std::string::npos);
        FUZZ_CHECK(irc::unescape_tag_value(escaped) == value);
    }
    for (const auto& [key, value] : last) {
        const auto found = irc::find_tag(tags, key);
        FUZZ_CHECK(found && *found == value);
    }
}

// Formats the parts of `m` and checks the line is one line; returns it without its CRLF.
std::string format(const irc::Message& m, irc::Trailing trailing) {
    std::string out;
    irc::append_message(out, m.tags, m.source, m.command, m.params(), trailing);
    FUZZ_CHECK(out.size() >= 2 && out.ends_with("\r\n"));
    FUZZ_CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    FUZZ_CHECK(std::count(out.begin(), out.end(), '\r') == 1);
    FUZZ_CHECK(out.find('\0') == std::string::npos);
    out.resize(out.size() - 2);
    return out;
}

void check_parse(std::string_view line, std::size_t max_tags) {
    irc::Message m;
    const ParseError e = irc::parse(line, m, max_tags);
    const bool tags_over =
        irc::check_length(line, max_tags, SIZE_MAX) == irc::LengthProblem::tags_too_long;
    FUZZ_CHECK(tags_over == (e == ParseError::tags_too_long));
    if (e != ParseError::none && e != ParseError::invalid_command) {
        return;
    }
    FUZZ_CHECK(inside(m.tags, line) && inside(m.source, line) && inside(m.command, line));
    FUZZ_CHECK(!m.command.empty() && m.command.find(' ') == npos);
    if (e == ParseError::invalid_command) {
        return;
    }

    const std::string_view c = m.command;
    FUZZ_CHECK((c.size() == 3 && std::all_of(c.begin(), c.end(), digit)) ||
               std::all_of(c.begin(), c.end(), letter));
    FUZZ_CHECK(m.is(upper(c)));
    FUZZ_CHECK(m.numeric() == digit(c[0]));
    FUZZ_CHECK(m.tags.find(' ') == npos && m.source.find(' ') == npos);
    FUZZ_CHECK(m.param_count <= irc::max_params && m.params().size() == m.param_count);
    for (std::size_t i = 0; i < m.param_count; ++i) {
        const std::string_view p = m.param(i);
        FUZZ_CHECK(inside(p, line));
        if (i + 1 < m.param_count || !m.has_trailing) {
            FUZZ_CHECK(!p.empty() && p.find(' ') == npos && p.front() != ':');
        }
    }
    FUZZ_CHECK(m.param(m.param_count).empty());
    check_tags(m.tags);

    // Formatted again: always one line; the same message when the parts allow it. if_needed
    // must see for itself which last parameter needs the ':' (the parsed one may have had it
    // without needing it), and always must not change what it says.
    const std::string again = format(m, irc::Trailing::if_needed);
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != npos) {
        return;
    }
    irc::Message back;
    FUZZ_CHECK(irc::parse(again, back) == ParseError::none);
    FUZZ_CHECK(same_parts(back, m));
    FUZZ_CHECK(format(back, irc::Trailing::if_needed) == again);

    const std::string always = format(m, irc::Trailing::always);
    FUZZ_CHECK(irc::parse(always, back) == ParseError::none);
    FUZZ_CHECK(same_parts(back, m));
    FUZZ_CHECK(back.has_trailing == (m.param_count > 0));
}

void check_split(std::string_view text, std::size_t max_bytes) {
    const std::size_t max = std::max(max_bytes, irc::min_piece);
    const bool valid = parley::valid_utf8(text);
    const std::vector<std::string_view> pieces = irc::split_utf8(text, max_bytes);
    std::size_t at = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const std::string_view piece = pieces[i];
        FUZZ_CHECK(!piece.empty() && piece.size() <= max && inside(piece, text));
        FUZZ_CHECK(!valid || parley::valid_utf8(piece));
        const auto start = static_cast<std::size_t>(piece.data() - text.data());
        FUZZ_CHECK(start == at || (start == at + 1 && text[at] == ' '));
        at = start + piece.size();
        // Not the last piece, and not cut at a space: cut at most a code point short.
        if (i + 1 < pieces.size() && pieces[i + 1].data() == text.data() + at) {
            FUZZ_CHECK(piece.size() + 3 >= max);
        }
    }
    FUZZ_CHECK(at == text.size() || (at + 1 == text.size() && text[at] == ' '));
}

// strip_formatting as its header describes it, one byte at a time.
std::string reference_strip(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    auto count = [&](std::size_t from, std::size_t max, bool (*pred)(char)) {
        std::size_t n = 0;
        while (n < max && from + n < s.size() && pred(s[from + n])) {
            ++n;
        }
        return n;
    };
    while (i < s.size()) {
        const char c = s[i++];
        switch (c) {
            case '\x02':
            case '\x0F':
            case '\x11':
            case '\x16':
            case '\x1D':
            case '\x1E':
            case '\x1F':
                break;
            case '\x03': {
                const std::size_t fg = count(i, 2, digit);
                i += fg;
                if (fg > 0 && i < s.size() && s[i] == ',' && count(i + 1, 2, digit) > 0) {
                    i += 1 + count(i + 1, 2, digit);
                }
                break;
            }
            case '\x04':
                if (count(i, 6, hex) == 6) {
                    i += 6;
                    if (i < s.size() && s[i] == ',' && count(i + 1, 6, hex) == 6) {
                        i += 7;
                    }
                }
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

void check_text(std::string_view text) {
    const std::string stripped = irc::strip_formatting(text);
    FUZZ_CHECK(stripped == reference_strip(text));
    FUZZ_CHECK(!irc::has_formatting(stripped));
    FUZZ_CHECK(irc::has_formatting(text) || stripped == text);
    FUZZ_CHECK(!parley::valid_utf8(text) || parley::valid_utf8(stripped));

    const auto ctcp = irc::parse_ctcp(text);
    FUZZ_CHECK(ctcp.has_value() == (!text.empty() && text.front() == '\x01'));
    const bool action = ctcp && irc::casefold_equal(ctcp->command, "ACTION");
    FUZZ_CHECK(irc::ctcp_action(text).has_value() == action);
    FUZZ_CHECK(irc::is_ctcp_request(text) == (ctcp && !action));
    if (ctcp) {
        FUZZ_CHECK(inside(ctcp->command, text) && inside(ctcp->params, text));
        FUZZ_CHECK(ctcp->command.find(' ') == npos);
    }
    std::string built;
    irc::append_ctcp_action(built, text);
    FUZZ_CHECK(irc::ctcp_action(built) == text);

    const std::string folded = irc::casefold(text);
    FUZZ_CHECK(folded.size() == text.size() && irc::casefold(folded) == folded);
    FUZZ_CHECK(irc::casefold_equal(folded, text));
}

// Can mask[i..] match subject[j..]? The plain dynamic programme.
bool reference_match(std::string_view mask, std::string_view subject) {
    const std::size_t m = mask.size();
    const std::size_t n = subject.size();
    std::vector<char> ok((m + 1) * (n + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> char& { return ok[i * (n + 1) + j]; };
    at(m, n) = 1;
    for (std::size_t i = m; i-- > 0;) {
        for (std::size_t j = n + 1; j-- > 0;) {
            if (mask[i] == '*') {
                at(i, j) = at(i + 1, j) || (j < n && at(i, j + 1));
            } else if (j < n && (mask[i] == '?' || lower(mask[i]) == lower(subject[j]))) {
                at(i, j) = at(i + 1, j + 1);
            }
        }
    }
    return at(0, 0) != 0;
}

std::string from_alphabet(FuzzedDataProvider& in, std::size_t max, std::string_view alphabet) {
    std::string s = in.ConsumeRandomLengthString(max);
    for (char& c : s) {
        c = alphabet[static_cast<unsigned char>(c) % alphabet.size()];
    }
    return s;
}

void check_masks(std::string_view line, FuzzedDataProvider& in) {
    // The whole line against itself: every byte matches itself, wildcards included.
    FUZZ_CHECK(irc::mask_match(line, line));

    const std::string mask = from_alphabet(in, 14, "abAB*?!@.*");
    const std::string subject = from_alphabet(in, 24, "abAB!@.");
    const bool got = irc::mask_match(mask, subject);
    FUZZ_CHECK(got == reference_match(mask, subject));
    FUZZ_CHECK(irc::mask_match(irc::casefold(mask), irc::casefold(subject)) == got);

    for (const std::string_view raw : {std::string_view(mask), line.substr(0, 64)}) {
        const std::string full = irc::normalise_mask(raw);
        const std::size_t bang = full.find('!');
        const std::size_t at = full.find('@');
        FUZZ_CHECK(bang != npos && at != npos && bang > 0 && at > bang + 1 && at + 1 < full.size());
        FUZZ_CHECK(irc::normalise_mask(full) == full);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    FuzzedDataProvider in(data, size);
    // Mostly the protocol's limit on tags; now and then a small one, so that it is crossed.
    const std::size_t max_tags =
        in.ConsumeBool() ? irc::max_tags_part : in.ConsumeIntegralInRange<std::size_t>(0, 64);
    const auto max_bytes = in.ConsumeIntegralInRange<std::size_t>(0, 520);

    check_parse(line, max_tags);
    check_split(line, max_bytes);
    check_text(line);
    check_masks(line, in);
    return 0;
}
