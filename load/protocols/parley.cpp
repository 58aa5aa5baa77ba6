#include "load/protocols/parley.hpp"

#include <charconv>

#include <fmt/format.h>

namespace parley::load {

// Publishers must be members of the room, so both hellos join it.
void ParleyProtocol::append_subscribe(std::string& out, std::string_view room, std::string_view) {
    fmt::format_to(std::back_inserter(out), "/join #{}\n", room);
}

void ParleyProtocol::append_publisher_hello(std::string& out, std::string_view room,
                                            std::string_view nick) {
    append_subscribe(out, room, nick);
}

void ParleyProtocol::append_publish(std::string& out, std::string_view, std::size_t size,
                                    const Payload& payload) {
    append_payload(out, size, payload);
    out += '\n';
}

void ParleyProtocol::append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                     std::string_view payload) {
    wire::append_room_message(out, fmt::format("#{}", room), nick, payload);
}

void ParleyProtocol::append_subscribed(std::string& out, std::string_view room,
                                       std::string_view nick) {
    fmt::format_to(std::back_inserter(out),
                   "--- Your nickname is {}. Change it with /nick NAME.\r\n-!- {} joined #{}\r\n",
                   nick, nick, room);
}

std::string_view parley_welcome_nick(std::string_view line) {
    const wire::Line l = wire::parse(line);
    constexpr std::string_view kPrefix = "Your nickname is ";
    if (l.kind != wire::Kind::info || !l.text.starts_with(kPrefix)) {
        return {};
    }
    std::string_view rest = l.text.substr(kPrefix.size());
    const std::size_t dot = rest.find('.');
    return dot == std::string_view::npos ? rest : rest.substr(0, dot);
}

bool parley_is_join(std::string_view line, std::string_view nick, std::string_view room) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::notice) {
        return false;
    }
    std::string_view t = l.text;
    if (!t.starts_with(nick)) {
        return false;
    }
    t.remove_prefix(nick.size());
    constexpr std::string_view kJoined = " joined #";
    if (!t.starts_with(kJoined)) {
        return false;
    }
    t.remove_prefix(kJoined.size());
    return t == room;
}

bool parley_quit(std::string_view line, std::string_view& nick, std::string_view& reason) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::notice) {
        return false;
    }
    const std::size_t q = l.text.find(" quit (");
    if (q == std::string_view::npos || !l.text.ends_with(')')) {
        return false;
    }
    nick = l.text.substr(0, q);
    reason = l.text.substr(q + 7, l.text.size() - q - 8);
    return true;
}

std::string_view parley_error_code(std::string_view line) {
    const wire::Line l = wire::parse(line);
    return l.kind == wire::Kind::error ? l.code : std::string_view{};
}

long parley_room_members(std::string_view line) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::info || !l.text.starts_with('#')) {
        return -1;
    }
    const std::size_t sp = l.text.find(' ');
    if (sp == std::string_view::npos) {
        return -1;
    }
    long n = -1;
    const char* b = l.text.data() + sp + 1;
    auto [ptr, ec] = std::from_chars(b, l.text.data() + l.text.size(), n);
    const std::string_view after(ptr,
                                 static_cast<std::size_t>(l.text.data() + l.text.size() - ptr));
    if (ec != std::errc() || !after.starts_with(" member")) {
        return -1;
    }
    return n;
}

}  // namespace parley::load
