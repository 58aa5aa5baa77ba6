#include "shared/wire.hpp"

#include <algorithm>
#include <cstring>

namespace parley::wire {

namespace {

// Makes room for `extra` more bytes with one allocation at most, growing geometrically so a
// long run of appends to the same buffer stays amortised O(1) on every standard library.
void reserve_more(std::string& out, std::size_t extra) {
    const std::size_t need = out.size() + extra;
    if (need > out.capacity()) {
        out.reserve(std::max(need, out.capacity() * 2));
    }
}

// Appends user text with every TAB turned into a space.
void append_text(std::string& out, std::string_view text) {
    const std::size_t start = out.size();
    out.append(text);
    if (std::memchr(text.data(), '\t', text.size()) != nullptr) {
        std::replace(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), '\t', ' ');
    }
}

void append_crlf(std::string& out) {
    out.append("\r\n", 2);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool starts_with_timestamp(std::string_view s) {
    return s.size() >= 9 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':' && is_digit(s[3]) &&
           is_digit(s[4]) && s[5] == ':' && is_digit(s[6]) && is_digit(s[7]) && s[8] == ' ';
}

// "<marker> text" or the bare marker: the text, or false if `s` is something else.
bool after_marker(std::string_view s, std::string_view marker, std::string_view& text) {
    if (s.size() < marker.size() || s.compare(0, marker.size(), marker) != 0) {
        return false;
    }
    if (s.size() == marker.size()) {
        text = {};
        return true;
    }
    if (s[marker.size()] != ' ') {
        return false;
    }
    text = s.substr(marker.size() + 1);
    return true;
}

// "*nick* text" (also the tail of "-> *nick* text").
bool parse_private(std::string_view s, Line& line) {
    if (s.size() < 3 || s[0] != '*') {
        return false;
    }
    // A nick holds no space, so "* bob* x" is not a private line.
    const std::size_t close = s.find_first_of("* ", 1);
    if (close == std::string_view::npos || close == 1 || s[close] != '*') {
        return false;
    }
    line.nick = s.substr(1, close - 1);
    if (close + 1 == s.size()) {
        line.text = {};
        return true;
    }
    if (s[close + 1] != ' ') {
        return false;
    }
    line.text = s.substr(close + 2);
    return true;
}

bool parse_room(std::string_view s, Line& line) {
    const std::size_t sp = s.find(' ');
    if (sp == std::string_view::npos || sp < 2) {
        return false;
    }
    line.room = s.substr(0, sp);
    const std::string_view rest = s.substr(sp + 1);
    if (rest.size() >= 3 && rest[0] == '<') {
        // A nick holds no space, so "#room <a b> x" is not a message.
        const std::size_t close = rest.find_first_of("> ", 1);
        if (close == std::string_view::npos || close == 1 || rest[close] != '>') {
            return false;
        }
        line.nick = rest.substr(1, close - 1);
        if (close + 1 == rest.size()) {
            line.text = {};
        } else if (rest[close + 1] == ' ') {
            line.text = rest.substr(close + 2);
        } else {
            return false;
        }
        line.kind = Kind::room_message;
        return true;
    }
    if (rest.size() >= 3 && rest[0] == '*' && rest[1] == ' ') {
        const std::string_view tail = rest.substr(2);
        const std::size_t nsp = tail.find(' ');
        if (nsp == 0) {
            return false;
        }
        if (nsp == std::string_view::npos) {
            line.nick = tail;
            line.text = {};
        } else {
            line.nick = tail.substr(0, nsp);
            line.text = tail.substr(nsp + 1);
        }
        line.kind = Kind::room_action;
        return true;
    }
    return false;
}

}  // namespace

void append_timestamp(std::string& out, std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t).time_since_epoch().count();
    auto of_day = static_cast<long long>(secs % 86400);
    if (of_day < 0) {
        of_day += 86400;  // before 1970
    }
    const int h = static_cast<int>(of_day / 3600);
    const int m = static_cast<int>(of_day / 60 % 60);
    const int s = static_cast<int>(of_day % 60);
    const char buf[9] = {static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
                         static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10), ':',
                         static_cast<char>('0' + s / 10), static_cast<char>('0' + s % 10), ' '};
    out.append(buf, sizeof buf);
}

void append_room_message(std::string& out, std::string_view room, std::string_view nick,
                         std::string_view text) {
    reserve_more(out, room.size() + nick.size() + text.size() + 6);
    out.append(room);
    out.append(" <", 2);
    out.append(nick);
    out.append("> ", 2);
    append_text(out, text);
    append_crlf(out);
}

void append_room_action(std::string& out, std::string_view room, std::string_view nick,
                        std::string_view text) {
    reserve_more(out, room.size() + nick.size() + text.size() + 6);
    out.append(room);
    out.append(" * ", 3);
    out.append(nick);
    out.push_back(' ');
    append_text(out, text);
    append_crlf(out);
}

void append_private(std::string& out, std::string_view from, std::string_view text) {
    reserve_more(out, from.size() + text.size() + 5);
    out.push_back('*');
    out.append(from);
    out.append("* ", 2);
    append_text(out, text);
    append_crlf(out);
}

void append_private_echo(std::string& out, std::string_view to, std::string_view text) {
    reserve_more(out, to.size() + text.size() + 8);
    out.append("-> *", 4);
    out.append(to);
    out.append("* ", 2);
    append_text(out, text);
    append_crlf(out);
}

void append_notice(std::string& out, std::string_view text) {
    reserve_more(out, text.size() + 6);
    out.append("-!- ", 4);
    append_text(out, text);
    append_crlf(out);
}

void append_info(std::string& out, std::string_view text) {
    reserve_more(out, text.size() + 6);
    out.append("--- ", 4);
    append_text(out, text);
    append_crlf(out);
}

void append_error(std::string& out, std::string_view code, std::string_view text) {
    reserve_more(out, code.size() + text.size() + 8);
    out.append("!!! ", 4);
    out.append(code);
    out.append(": ", 2);
    append_text(out, text);
    append_crlf(out);
}

Line parse(std::string_view s) {
    Line line;
    if (!s.empty() && s.back() == '\n') {
        s.remove_suffix(1);
    }
    if (!s.empty() && s.back() == '\r') {
        s.remove_suffix(1);
    }
    if (starts_with_timestamp(s)) {
        line.timestamp = s.substr(0, 8);
        s.remove_prefix(9);
    }
    if (!s.empty()) {
        switch (s[0]) {
            case '#':
                if (parse_room(s, line)) {
                    return line;
                }
                break;
            case '*':
                if (parse_private(s, line)) {
                    line.kind = Kind::private_message;
                    return line;
                }
                break;
            case '-':
                if (s.size() >= 3 && s[1] == '>' && s[2] == ' ' &&
                    parse_private(s.substr(3), line)) {
                    line.kind = Kind::private_echo;
                    return line;
                }
                if (after_marker(s, "-!-", line.text)) {
                    line.kind = Kind::notice;
                    return line;
                }
                if (after_marker(s, "---", line.text)) {
                    line.kind = Kind::info;
                    return line;
                }
                break;
            case '!':
                if (after_marker(s, "!!!", line.text)) {
                    line.kind = Kind::error;
                    const std::string_view rest = line.text;
                    // The code is one word: it ends at the first ':' and holds no space.
                    const std::size_t colon = rest.find_first_of(": ");
                    if (colon != std::string_view::npos && colon > 0 && rest[colon] == ':' &&
                        (colon + 1 == rest.size() || rest[colon + 1] == ' ')) {
                        line.code = rest.substr(0, colon);
                        line.text =
                            colon + 1 == rest.size() ? std::string_view{} : rest.substr(colon + 2);
                    }
                    return line;
                }
                break;
            default:
                break;
        }
    }
    // Not a Parley line: everything after the timestamp, and nothing else.
    const std::string_view ts = line.timestamp;
    line = Line{};
    line.timestamp = ts;
    line.text = s;
    return line;
}

}  // namespace parley::wire
