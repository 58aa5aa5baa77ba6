#include "shared/irc/format.hpp"

#include <algorithm>
#include <cstring>

namespace parley::irc {

namespace {

// Makes room for `extra` more bytes with one allocation at most, growing geometrically so a
// long run of appends to the same buffer stays amortised O(1) (as wire.cpp does).
void reserve_more(std::string& out, std::size_t extra) {
    const std::size_t need = out.size() + extra;
    if (need > out.capacity()) {
        out.reserve(std::max(need, out.capacity() * 2));
    }
}

bool breaks_line(char c) {
    return c == '\r' || c == '\n' || c == '\0';
}

// Appends `s` with every CR, LF and NUL written as a space: the line stays one line.
void append_part(std::string& out, std::string_view s) {
    const std::size_t start = out.size();
    out.append(s);
    if (std::any_of(s.begin(), s.end(), breaks_line)) {
        std::replace_if(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), breaks_line,
                        ' ');
    }
}

bool needs_colon(std::string_view last) {
    return last.empty() || last.front() == ':' || last.find(' ') != std::string_view::npos;
}

std::size_t sizes(std::span<const std::string_view> params) {
    std::size_t n = 0;
    for (const std::string_view p : params) {
        n += p.size() + 2;  // the space before it, and maybe a ':'
    }
    return n;
}

void append_params(std::string& out, std::span<const std::string_view> params, Trailing trailing) {
    for (std::size_t i = 0; i < params.size(); ++i) {
        out.push_back(' ');
        if (i + 1 == params.size() && (trailing == Trailing::always || needs_colon(params[i]))) {
            out.push_back(':');
        }
        append_part(out, params[i]);
    }
    out.append("\r\n", 2);
}

}  // namespace

void append_message(std::string& out, std::string_view tags, std::string_view source,
                    std::string_view command, std::span<const std::string_view> params,
                    Trailing trailing) {
    reserve_more(out, tags.size() + source.size() + command.size() + sizes(params) + 6);
    if (!tags.empty()) {
        out.push_back('@');
        append_part(out, tags);
        out.push_back(' ');
    }
    if (!source.empty()) {
        out.push_back(':');
        append_part(out, source);
        out.push_back(' ');
    }
    append_part(out, command);
    append_params(out, params, trailing);
}

void append_message(std::string& out, std::string_view tags, std::string_view source,
                    std::string_view command, std::initializer_list<std::string_view> params,
                    Trailing trailing) {
    append_message(out, tags, source, command, std::span(params.begin(), params.size()), trailing);
}

void append_numeric(std::string& out, std::string_view server, unsigned code,
                    std::string_view target, std::span<const std::string_view> params,
                    Trailing trailing) {
    reserve_more(out, server.size() + target.size() + sizes(params) + 10);
    out.push_back(':');
    append_part(out, server);
    code %= 1000;
    const char digits[5] = {' ', static_cast<char>('0' + code / 100),
                            static_cast<char>('0' + code / 10 % 10),
                            static_cast<char>('0' + code % 10), ' '};
    out.append(digits, sizeof digits);
    append_part(out, target);
    append_params(out, params, trailing);
}

void append_numeric(std::string& out, std::string_view server, unsigned code,
                    std::string_view target, std::initializer_list<std::string_view> params,
                    Trailing trailing) {
    append_numeric(out, server, code, target, std::span(params.begin(), params.size()), trailing);
}

std::size_t trailing_room(std::string_view source, std::string_view command,
                          std::span<const std::string_view> middles,
                          std::size_t max_rest_with_crlf) {
    std::size_t used = command.size() + 2 + 2;  // " :" before the text, CRLF after it
    if (!source.empty()) {
        used += source.size() + 2;  // ':' and a space
    }
    for (const std::string_view m : middles) {
        used += m.size() + 1;
    }
    return used >= max_rest_with_crlf ? 0 : max_rest_with_crlf - used;
}

std::size_t trailing_room(std::string_view source, std::string_view command,
                          std::initializer_list<std::string_view> middles,
                          std::size_t max_rest_with_crlf) {
    return trailing_room(source, command, std::span(middles.begin(), middles.size()),
                         max_rest_with_crlf);
}

}  // namespace parley::irc
