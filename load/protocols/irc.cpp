#include "load/protocols/irc.hpp"

#include <iterator>

#include <fmt/format.h>

namespace parley::load {

namespace {

// A short user name: InspIRCd keeps at most 10 characters of it by default, and every
// connection may share it (the nickname is what tells them apart).
constexpr std::string_view kUser = "load";

}  // namespace

void IrcProtocol::append_subscribe(std::string& out, std::string_view, std::string_view nick) {
    fmt::format_to(std::back_inserter(out), "NICK {}\r\nUSER {} 0 * :parley-load\r\n", nick, kUser);
}

void IrcProtocol::append_publisher_hello(std::string& out, std::string_view room,
                                         std::string_view nick) {
    append_subscribe(out, room, nick);
}

void IrcProtocol::append_join(std::string& out, std::string_view room) {
    fmt::format_to(std::back_inserter(out), "JOIN #{}\r\n", room);
}

void IrcProtocol::append_nick(std::string& out, std::string_view nick) {
    fmt::format_to(std::back_inserter(out), "NICK {}\r\n", nick);
}

void IrcProtocol::append_pong(std::string& out, std::string_view params) {
    fmt::format_to(std::back_inserter(out), "PONG {}\r\n", params);
}

void IrcProtocol::append_publish(std::string& out, std::string_view room, std::size_t size,
                                 const Payload& payload) {
    out += "PRIVMSG #";
    out += room;
    out += " :";
    append_payload(out, size, payload);
    out += "\r\n";
}

void IrcProtocol::append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                  std::string_view payload) {
    fmt::format_to(std::back_inserter(out), ":{}!{}@127.0.0.1 PRIVMSG #{} :{}\r\n", nick, kUser,
                   room, payload);
}

void IrcProtocol::append_subscribed(std::string& out, std::string_view room,
                                    std::string_view nick) {
    fmt::format_to(std::back_inserter(out),
                   ":blaster.test 001 {0} :Welcome\r\n"
                   ":blaster.test 366 {0} #{1} :End of /NAMES list.\r\n",
                   nick, room);
}

std::string_view irc_prefix_nick(std::string_view line) {
    const detail::IrcMessage m = detail::irc_split(line);
    return m.prefix.substr(0, m.prefix.find('!'));
}

bool irc_is_join(std::string_view line, std::string_view nick, std::string_view room) {
    const detail::IrcMessage m = detail::irc_split(line);
    if (m.command != "JOIN" || m.prefix.substr(0, m.prefix.find('!')) != nick) {
        return false;
    }
    std::string_view rest;
    const std::string_view chan = detail::irc_first_param(m.params, rest);
    return chan.size() == room.size() + 1 && chan.front() == '#' && chan.substr(1) == room;
}

bool irc_quit(std::string_view line, std::string_view& nick, std::string_view& reason) {
    const detail::IrcMessage m = detail::irc_split(line);
    if (m.command != "QUIT" || m.prefix.empty()) {
        return false;
    }
    nick = m.prefix.substr(0, m.prefix.find('!'));
    reason = m.params;
    if (!reason.empty() && reason.front() == ':') {
        reason.remove_prefix(1);
    }
    return true;
}

int irc_reply_code(std::string_view line) {
    return detail::irc_numeric(detail::irc_split(line).command);
}

}  // namespace parley::load
