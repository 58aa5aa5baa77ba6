#include "shared/names.hpp"

#include "shared/text.hpp"

namespace parley {

namespace {

bool ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

bool nick_special(char c) {
    return c == '_' || c == '-' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\\' ||
           c == '`' || c == '^' || c == '|';
}

}  // namespace

std::optional<std::string> nick_problem(std::string_view nick) {
    bool ok = !nick.empty() && nick.size() <= max_nick_length && !ascii_digit(nick.front()) &&
              nick.front() != '-';
    for (std::size_t i = 0; ok && i < nick.size(); ++i) {
        const char c = nick[i];
        ok = ascii_letter(c) || ascii_digit(c) || nick_special(c);
    }
    if (ok) {
        return std::nullopt;
    }
    return std::string(
        "nicknames are 1 to 32 letters, digits or _-[]{}\\`^|, not starting with a digit or '-'");
}

std::optional<std::string> room_problem(std::string_view room) {
    bool ok = room.size() >= 2 && room.size() <= max_room_length && room.front() == '#' &&
              check_text(room) == TextProblem::none;
    for (std::size_t i = 1; ok && i < room.size(); ++i) {
        const char c = room[i];
        ok = c != ' ' && c != ',' && c != ':' && c != '\t' && c != '\x7f';
    }
    if (ok) {
        return std::nullopt;
    }
    return std::string(
        "room names are '#' followed by 1 to 63 bytes of text without spaces, ',' or ':'");
}

std::string with_room_prefix(std::string_view room) {
    std::string out;
    if (room.empty() || room.front() != '#') {
        out.reserve(room.size() + 1);
        out.push_back('#');
    }
    out.append(room);
    return out;
}

std::string fold_case(std::string_view name) {
    std::string out(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace parley
