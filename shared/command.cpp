#include "shared/command.hpp"

namespace parley::cmd {

namespace {

// TAB counts as a space: it is shown to others as one.
bool blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool all_blank(std::string_view s) {
    for (const char c : s) {
        if (!blank(c)) {
            return false;
        }
    }
    return true;
}

std::size_t find_blank(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (blank(s[i])) {
            return i;
        }
    }
    return std::string_view::npos;
}

// True if `typed` is `name` (lower case) in any case.
bool is(std::string_view typed, std::string_view name) {
    if (typed.size() != name.size()) {
        return false;
    }
    for (std::size_t i = 0; i < typed.size(); ++i) {
        char c = typed[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != name[i]) {
            return false;
        }
    }
    return true;
}

bool one_word(std::string_view args) {
    return !args.empty() && find_blank(args) == std::string_view::npos;
}

Error usage(std::string_view form) {
    std::string message = "expected ";
    message.append(form);
    return Error{"usage", std::move(message)};
}

}  // namespace

Command parse(std::string_view line) {
    if (line.empty() || line.front() != '/') {
        if (line.empty() || (blank(line.front()) && all_blank(line))) {
            return Empty{};
        }
        return Say{line};
    }
    if (line.size() >= 2 && line[1] == '/') {
        return Say{line.substr(1)};
    }

    std::string_view rest = line.substr(1);
    const std::size_t end = find_blank(rest);
    const std::string_view name = rest.substr(0, end);
    // Arguments without the spaces around them; inner spacing is kept.
    const std::string_view args =
        end == std::string_view::npos ? std::string_view{} : trim(rest.substr(end));

    if (is(name, "help")) {
        return args.empty() ? Command{Help{}} : Command{usage("/help")};
    }
    if (is(name, "nick")) {
        return one_word(args) ? Command{Nick{args}} : Command{usage("/nick NAME")};
    }
    if (is(name, "join")) {
        // An optional key: the room may be locked with one (IRC's channel mode +k).
        const std::size_t gap = find_blank(args);
        if (gap == std::string_view::npos) {
            return args.empty() ? Command{usage("/join #room [key]")} : Command{Join{args, {}}};
        }
        const std::string_view key = trim(args.substr(gap));
        return one_word(key) ? Command{Join{args.substr(0, gap), key}}
                             : Command{usage("/join #room [key]")};
    }
    if (is(name, "leave")) {
        return args.empty() ? Command{Leave{}} : Command{usage("/leave")};
    }
    if (is(name, "rooms")) {
        return args.empty() ? Command{Rooms{}} : Command{usage("/rooms")};
    }
    if (is(name, "who")) {
        return args.empty() || one_word(args) ? Command{Who{args}} : Command{usage("/who [#room]")};
    }
    if (is(name, "msg")) {
        const std::size_t sp = find_blank(args);
        if (sp == std::string_view::npos) {
            return usage("/msg NICK TEXT");
        }
        return Msg{args.substr(0, sp), trim(args.substr(sp))};
    }
    if (is(name, "me")) {
        return args.empty() ? Command{usage("/me ACTION")} : Command{Me{args}};
    }
    if (is(name, "topic")) {
        return Topic{args};
    }
    if (is(name, "history")) {
        if (args.empty()) {
            return History{};
        }
        std::size_t n = 0;
        for (const char c : args) {
            if (c < '0' || c > '9' || n > max_history_page) {
                n = 0;
                break;
            }
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (n == 0 || n > max_history_page) {
            return usage("/history [N], N from 1 to 100");
        }
        return History{n};
    }
    if (is(name, "quit")) {
        return Quit{args};
    }

    std::string message = "unknown command /";
    message.append(name);
    message.append("; /help lists the commands");
    return Error{"unknown-command", std::move(message)};
}

std::string_view help_text() {
    return "/help             list the commands\n"
           "/nick NAME        change your nickname\n"
           "/join #room [key] leave your room and join #room (created on first join)\n"
           "/leave            leave your room and go back to #lobby\n"
           "/rooms            list the rooms with member counts and topics\n"
           "/who [#room]      list the members of a room (default: yours)\n"
           "/msg NICK TEXT    send a private message\n"
           "/me ACTION        send an action to your room\n"
           "/topic [TEXT]     show your room's topic, or set it; /topic - clears it\n"
           "/history [N]      show N earlier messages of your room (default 20); again for more\n"
           "/quit [REASON]    leave Parley\n"
           "//text            send a line starting with /text";
}

}  // namespace parley::cmd
