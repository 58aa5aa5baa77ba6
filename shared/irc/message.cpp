#include "shared/irc/message.hpp"

#include <algorithm>

#include "shared/folded.hpp"

namespace parley::irc {

namespace {

constexpr auto npos = std::string_view::npos;

bool letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

bool valid_command(std::string_view c) {
    if (c.size() == 3 && std::all_of(c.begin(), c.end(), digit)) {
        return true;
    }
    return !c.empty() && std::all_of(c.begin(), c.end(), letter);
}

// The first position at or after `pos` that is not a space (line.size() if none). Modern IRC
// allows one space between parts; servers accept several, and so does Parley.
std::size_t skip_spaces(std::string_view line, std::size_t pos) {
    while (pos < line.size() && line[pos] == ' ') {
        ++pos;
    }
    return pos;
}

// The end of the word at `pos`: the next space, or the end of the line.
std::size_t word_end(std::string_view line, std::size_t pos) {
    const std::size_t sp = line.find(' ', pos);
    return sp == npos ? line.size() : sp;
}

// The length of the tags part ('@' to the first space, inclusive; the whole line without a
// space), 0 if the line has no tags.
std::size_t tags_part(std::string_view line) {
    if (line.empty() || line[0] != '@') {
        return 0;
    }
    const std::size_t sp = line.find(' ');
    return sp == npos ? line.size() : sp + 1;
}

}  // namespace

std::string_view error_name(ParseError e) {
    switch (e) {
        case ParseError::none:
            return "none";
        case ParseError::empty:
            return "empty";
        case ParseError::no_command:
            return "no-command";
        case ParseError::invalid_command:
            return "invalid-command";
        case ParseError::too_many_params:
            return "too-many-params";
        case ParseError::tags_too_long:
            return "tags-too-long";
    }
    return "unknown";
}

bool Message::is(std::string_view upper) const {
    // FoldedEqual folds both sides to lower case, so `upper` may be given in either case.
    return FoldedEqual{}(command, upper);
}

bool Message::numeric() const {
    return command.size() == 3 && digit(command[0]) && digit(command[1]) && digit(command[2]);
}

ParseError parse(std::string_view line, Message& out, std::size_t max_tags) {
    out = Message{};
    std::size_t pos = 0;
    bool prefixed = false;  // tags or a source came first: a missing command is no_command

    if (const std::size_t part = tags_part(line); part != 0) {
        if (part > max_tags) {
            return ParseError::tags_too_long;
        }
        const bool has_space = line[part - 1] == ' ';
        out.tags = line.substr(1, part - 1 - (has_space ? 1 : 0));
        pos = part;
        prefixed = true;
    }

    pos = skip_spaces(line, pos);
    if (pos < line.size() && line[pos] == ':') {
        const std::size_t end = word_end(line, pos);
        out.source = line.substr(pos + 1, end - pos - 1);
        pos = skip_spaces(line, end);
        prefixed = true;
    }
    if (pos == line.size()) {
        return prefixed ? ParseError::no_command : ParseError::empty;
    }

    const std::size_t end = word_end(line, pos);
    out.command = line.substr(pos, end - pos);
    if (!valid_command(out.command)) {
        return ParseError::invalid_command;
    }
    pos = end;

    for (;;) {
        pos = skip_spaces(line, pos);
        if (pos == line.size()) {
            break;
        }
        // A 16th parameter is refused rather than glued to the 15th (as RFC 2812's grammar
        // would): no client sends one, and a silent merge would make the 15th say something else.
        if (out.param_count == max_params) {
            return ParseError::too_many_params;
        }
        if (line[pos] == ':') {
            out.param_storage[out.param_count++] = line.substr(pos + 1);
            out.has_trailing = true;
            break;
        }
        const std::size_t stop = word_end(line, pos);
        out.param_storage[out.param_count++] = line.substr(pos, stop - pos);
        pos = stop;
    }
    return ParseError::none;
}

LengthProblem check_length(std::string_view line, std::size_t max_tags,
                           std::size_t max_rest_with_crlf) {
    const std::size_t part = tags_part(line);
    if (part > max_tags) {
        return LengthProblem::tags_too_long;
    }
    if (line.size() - part + 2 > max_rest_with_crlf) {
        return LengthProblem::rest_too_long;
    }
    return LengthProblem::none;
}

Source split_source(std::string_view source) {
    Source s;
    const std::size_t bang = source.find('!');
    const std::size_t at = source.find('@', bang == npos ? 0 : bang);
    const std::size_t nick_end = std::min(bang, at);
    s.nick = source.substr(0, nick_end == npos ? source.size() : nick_end);
    if (bang != npos) {
        const std::size_t user_end = at == npos ? source.size() : at;
        s.user = source.substr(bang + 1, user_end - bang - 1);
    }
    if (at != npos) {
        s.host = source.substr(at + 1);
    }
    return s;
}

}  // namespace parley::irc
