#include "shared/irc/text.hpp"

#include <algorithm>

#include "shared/folded.hpp"

namespace parley::irc {

namespace {

bool continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

bool digit(char c) {
    return c >= '0' && c <= '9';
}

bool hex(char c) {
    return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool formatting(char c) {
    switch (c) {
        case '\x02':
        case '\x03':
        case '\x04':
        case '\x0F':
        case '\x11':
        case '\x16':
        case '\x1D':
        case '\x1E':
        case '\x1F':
            return true;
        default:
            return false;
    }
}

// How many of up to `max` characters at text[i] satisfy `pred`.
template <class Pred>
std::size_t run(std::string_view text, std::size_t i, std::size_t max, Pred pred) {
    std::size_t n = 0;
    while (n < max && i + n < text.size() && pred(text[i + n])) {
        ++n;
    }
    return n;
}

// The length of the arguments of the colour code whose argument starts at text[i]: "fg" or
// "fg,bg" for 0x03 (1-2 digits each), "rrggbb" or "rrggbb,rrggbb" for 0x04.
std::size_t colour_arguments(std::string_view text, std::size_t i, char code) {
    if (code == '\x03') {
        const std::size_t fg = run(text, i, 2, digit);
        if (fg == 0 || i + fg >= text.size() || text[i + fg] != ',') {
            return fg;
        }
        const std::size_t bg = run(text, i + fg + 1, 2, digit);
        return bg == 0 ? fg : fg + 1 + bg;
    }
    if (run(text, i, 6, hex) != 6) {
        return 0;
    }
    if (i + 6 < text.size() && text[i + 6] == ',' && run(text, i + 7, 6, hex) == 6) {
        return 13;
    }
    return 6;
}

}  // namespace

std::string_view next_piece(std::string_view& rest, std::size_t max_bytes) {
    const std::size_t max = std::max(max_bytes, min_piece);
    if (rest.size() <= max) {
        const std::string_view piece = rest;
        rest = {};
        return piece;
    }
    // A space at rest[max] still counts: the piece before it is max bytes long.
    const std::size_t space = rest.rfind(' ', max);
    if (space != std::string_view::npos && space > 0) {
        const std::string_view piece = rest.substr(0, space);
        rest.remove_prefix(space + 1);
        return piece;
    }
    // rest[cut] starts the next piece: back up over at most three continuation bytes to the
    // lead byte of the sequence that does not fit. Longer runs are not UTF-8; cut anywhere.
    std::size_t cut = max;
    while (cut > max - 3 && continuation(rest[cut])) {
        --cut;
    }
    if (continuation(rest[cut])) {
        cut = max;
    }
    const std::string_view piece = rest.substr(0, cut);
    rest.remove_prefix(cut);
    return piece;
}

std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    // Back over continuation bytes (10xxxxxx) to the start of the code point cut through.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

std::vector<std::string_view> split_utf8(std::string_view text, std::size_t max_bytes) {
    std::vector<std::string_view> pieces;
    while (!text.empty()) {
        const std::string_view piece = next_piece(text, max_bytes);
        if (piece.empty()) {
            break;  // a space was consumed at the very end
        }
        pieces.push_back(piece);
    }
    return pieces;
}

bool has_formatting(std::string_view text) {
    return std::any_of(text.begin(), text.end(), formatting);
}

void append_stripped(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the plain run up to the next code in one go.
        const auto code =
            std::find_if(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(), formatting);
        const auto at = static_cast<std::size_t>(code - text.begin());
        out.append(text.substr(i, at - i));
        if (at == text.size()) {
            break;
        }
        i = at + 1;
        if (text[at] == '\x03' || text[at] == '\x04') {
            i += colour_arguments(text, i, text[at]);
        }
    }
}

std::string strip_formatting(std::string_view text) {
    std::string out;
    append_stripped(out, text);
    return out;
}

std::optional<Ctcp> parse_ctcp(std::string_view text) {
    if (text.empty() || text.front() != ctcp_delim) {
        return std::nullopt;
    }
    text.remove_prefix(1);
    if (!text.empty() && text.back() == ctcp_delim) {
        text.remove_suffix(1);
    }
    const std::size_t space = text.find(' ');
    Ctcp ctcp;
    ctcp.command = text.substr(0, space);
    if (space != std::string_view::npos) {
        ctcp.params = text.substr(space + 1);
    }
    return ctcp;
}

std::optional<std::string_view> ctcp_action(std::string_view text) {
    const std::optional<Ctcp> ctcp = parse_ctcp(text);
    if (!ctcp || !casefold_equal(ctcp->command, "ACTION")) {
        return std::nullopt;
    }
    return ctcp->params;
}

bool is_ctcp_request(std::string_view text) {
    const std::optional<Ctcp> ctcp = parse_ctcp(text);
    return ctcp && !casefold_equal(ctcp->command, "ACTION");
}

void append_ctcp_action(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size() + 9);
    out.append(
        "\x01"
        "ACTION ",
        8);
    out.append(text);
    out.push_back(ctcp_delim);
}

bool casefold_equal(std::string_view a, std::string_view b) {
    return FoldedEqual{}(a, b);
}

std::string casefold(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = fold_char(c);
    }
    return out;
}

}  // namespace parley::irc
