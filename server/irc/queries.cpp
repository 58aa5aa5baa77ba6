// Questions about users and the server: WHO (with WHOX), WHOIS, WHOWAS, ISON, USERHOST, AWAY,
// VERSION, TIME, INFO, ADMIN. Plain clients are users like the others here: their user name is
// "plain" and their host their address.

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <vector>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/mask.hpp"
#include "shared/irc/text.hpp"

namespace parley {

using namespace irc;

namespace {

bool shares_room(const Session& a, const Session& b) {
    bool shared = false;
    a.rooms().for_each_room([&](const Room& r) { shared = shared || r.has(b); });
    return shared;
}

std::string prefixes(std::uint8_t status, bool all) {
    std::string out;
    if ((status & Member::op) != 0) {
        out.push_back('@');
    }
    if ((status & Member::voice) != 0 && (all || out.empty())) {
        out.push_back('+');
    }
    return out;
}

std::string seconds_since_epoch(std::chrono::system_clock::time_point t) {
    return fmt::format(
        "{}", std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

void IrcFrontEnd::cmd_who(const irc::Message& m) {
    const std::string_view mask = m.param_count > 0 ? m.param(0) : std::string_view("*");
    // WHOX: "%fields[,token]".
    std::string_view fields, token;
    if (m.param(1).size() > 1 && m.param(1).front() == '%') {
        fields = m.param(1).substr(1);
        const std::size_t comma = fields.find(',');
        if (comma != std::string_view::npos) {
            token = fields.substr(comma + 1);
            fields = fields.substr(0, comma);
        }
    }
    const bool all_prefixes = has(Cap::multi_prefix);
    const auto reply = [&](const Session& s, const Room* room, std::uint8_t status) {
        std::string flags = s.front().away().empty() ? "H" : "G";
        if (s.front().oper()) {
            flags.push_back('*');
        }
        if (room != nullptr) {
            flags += prefixes(status, all_prefixes);
        }
        const std::string_view channel = room != nullptr ? std::string_view(room->name()) : "*";
        if (fields.empty()) {
            numeric(RPL_WHOREPLY, {channel, s.front().user(), s.host(), server(), s.nick(), flags,
                                   fmt::format("0 {}", s.front().realname())});
            return;
        }
        // WHOX fields come in this order whatever order they were asked in.
        std::vector<std::string> out;
        const auto want = [&](char c) { return fields.find(c) != std::string_view::npos; };
        if (want('t'))
            out.emplace_back(token);
        if (want('c'))
            out.emplace_back(channel);
        if (want('u'))
            out.emplace_back(s.front().user());
        if (want('i'))
            out.emplace_back(s.host());
        if (want('h'))
            out.emplace_back(s.host());
        if (want('s'))
            out.emplace_back(server());
        if (want('n'))
            out.emplace_back(s.nick());
        if (want('f'))
            out.emplace_back(flags);
        if (want('d'))
            out.emplace_back("0");
        if (want('l')) {
            out.push_back(fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::steady_clock::now() - s.last_input())
                                                .count()));
        }
        if (want('a'))
            out.emplace_back("0");  // no accounts on Parley
        if (want('o'))
            out.emplace_back("n/a");
        if (want('r'))
            out.emplace_back(s.front().realname());
        std::vector<std::string_view> views(out.begin(), out.end());
        numeric(RPL_WHOSPCRPL, Params(views));
    };

    ServerState& state = session_.state();
    if (!mask.empty() && mask.front() == '#') {
        const Room* room = state.rooms.find(mask);
        if (room != nullptr && (!room->modes().secret || room->has(session_))) {
            const bool member = room->has(session_);
            for (const Member& mem : room->members()) {
                if (member || !mem.session->front().invisible()) {
                    reply(*mem.session, room, mem.status);
                }
            }
        }
    } else if (Session* s = state.registry.find(mask); s != nullptr && s->front().registered()) {
        reply(*s, nullptr, 0);  // an exact nick is answered even for +i users
    } else {
        const bool everybody = mask.empty() || mask == "*" || mask == "0";
        std::vector<Session*> found;
        state.registry.for_each([&](Session& s) {
            if (!s.front().registered()) {
                return;
            }
            if (s.front().invisible() && &s != &session_ && !shares_room(session_, s)) {
                return;
            }
            if (everybody || mask_match(mask, s.nick()) || mask_match(mask, s.host()) ||
                mask_match(mask, s.front().realname()) || mask_match(mask, server())) {
                found.push_back(&s);
            }
        });
        // Bounded like LIST, so that the reply fits the client's outbox.
        constexpr std::size_t max_who_replies = 1000;
        for (std::size_t i = 0; i < found.size() && i < max_who_replies; ++i) {
            reply(*found[i], nullptr, 0);
        }
    }
    numeric(RPL_ENDOFWHO, {mask, "End of WHO list"});
}

void IrcFrontEnd::cmd_whois(const irc::Message& m) {
    if (m.param_count == 0) {
        numeric(ERR_NONICKNAMEGIVEN, {"No nickname given"});
        return;
    }
    // "WHOIS server nick" asks a given server: there is only this one.
    const std::string_view nick = m.param_count > 1 ? m.param(1) : m.param(0);
    Session* s = session_.state().registry.find(nick);
    if (s == nullptr || !s->front().registered()) {
        numeric(ERR_NOSUCHNICK, {nick, "No such nick/channel"});
        numeric(RPL_ENDOFWHOIS, {nick, "End of /WHOIS list"});
        return;
    }
    numeric(RPL_WHOISUSER, {s->nick(), s->front().user(), s->host(), "*", s->front().realname()});
    std::string channels;
    s->rooms().for_each_room([&](const Room& r) {
        if (r.modes().secret && !r.has(session_)) {
            return;
        }
        if (!channels.empty()) {
            channels.push_back(' ');
        }
        channels += prefixes(r.find(*s)->status, has(Cap::multi_prefix));
        channels += r.name();
    });
    if (!channels.empty()) {
        numeric(RPL_WHOISCHANNELS, {s->nick(), channels});
    }
    numeric(RPL_WHOISSERVER, {s->nick(), server(), "Parley"});
    if (!s->front().away().empty()) {
        numeric(RPL_AWAY, {s->nick(), s->front().away()});
    }
    if (s->front().oper()) {
        numeric(RPL_WHOISOPERATOR, {s->nick(), "is an IRC operator"});
    }
    if (s == &session_ || oper_) {
        numeric(RPL_WHOISACTUALLY, {s->nick(), s->host(), "Actual host"});
    }
    const auto idle = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - s->last_input());
    const auto signon =
        std::chrono::system_clock::now() - (std::chrono::steady_clock::now() - s->opened());
    numeric(RPL_WHOISIDLE, {s->nick(), fmt::format("{}", idle.count()), seconds_since_epoch(signon),
                            "seconds idle, signon time"});
    numeric(RPL_ENDOFWHOIS, {s->nick(), "End of /WHOIS list"});
}

void IrcFrontEnd::cmd_whowas(const irc::Message& m) {
    if (m.param_count == 0 || m.param(0).empty()) {
        numeric(ERR_NONICKNAMEGIVEN, {"No nickname given"});
        return;
    }
    std::size_t count = 0;
    if (m.param_count > 1) {
        for (const char c : m.param(1)) {
            if (c < '0' || c > '9') {
                count = 0;
                break;
            }
            count = std::min<std::size_t>(count * 10 + static_cast<std::size_t>(c - '0'), 1000);
        }
    }
    const std::string_view nick = m.param(0);
    const auto entries = session_.state().whowas.find(nick, count);
    if (entries.empty()) {
        numeric(ERR_WASNOSUCHNICK, {nick, "There was no such nickname"});
    }
    for (const WhoWas::Entry* e : entries) {
        numeric(RPL_WHOWASUSER, {e->nick, e->user, e->host, "*", e->realname});
        numeric(RPL_WHOISSERVER, {e->nick, server(),
                                  fmt::format("{:%a %b %d %H:%M:%S %Y}",
                                              std::chrono::floor<std::chrono::seconds>(e->when))});
    }
    numeric(RPL_ENDOFWHOWAS, {nick, "End of WHOWAS"});
}

void IrcFrontEnd::cmd_ison(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("ISON");
        return;
    }
    std::string online;
    for (std::string_view param : m.params()) {
        while (!param.empty()) {
            const std::size_t sp = param.find(' ');
            const std::string_view nick = param.substr(0, sp);
            param.remove_prefix(sp == std::string_view::npos ? param.size() : sp + 1);
            const Session* s = session_.state().registry.find(nick);
            if (!nick.empty() && s != nullptr && s->front().registered()) {
                if (!online.empty()) {
                    online.push_back(' ');
                }
                online += s->nick();
            }
        }
    }
    numeric(RPL_ISON, {online});
}

void IrcFrontEnd::cmd_userhost(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("USERHOST");
        return;
    }
    std::string out;
    std::size_t n = 0;
    for (std::string_view nick : m.params()) {
        if (++n > 5) {
            break;
        }
        const Session* s = session_.state().registry.find(nick);
        if (s == nullptr || !s->front().registered()) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += fmt::format("{}{}={}{}@{}", s->nick(), s->front().oper() ? "*" : "",
                           s->front().away().empty() ? '+' : '-', s->front().user(), s->host());
    }
    numeric(RPL_USERHOST, {out});
}

void IrcFrontEnd::cmd_away(const irc::Message& m) {
    const std::string_view text = cut_utf8(m.param(0), 390);
    if (text.empty() && away_.empty()) {
        numeric(RPL_UNAWAY, {"You are no longer marked as being away"});
        return;
    }
    away_ = text;
    numeric(text.empty() ? RPL_UNAWAY : RPL_NOWAWAY,
            {text.empty() ? "You are no longer marked as being away"
                          : "You have been marked as being away"});
    Event e = session_.event(EventKind::away);
    e.text = away_;
    flush();
    session_.rooms().tell_peers(e, false);
}

void IrcFrontEnd::cmd_version(const irc::Message&) {
    numeric(RPL_VERSION, {"parley-" PARLEY_VERSION, server(), "Parley chat server"});
    send_isupport();
}

void IrcFrontEnd::cmd_time(const irc::Message&) {
    numeric(RPL_TIME, {server(), fmt::format("{:%A %B %d %Y -- %H:%M:%S} +00:00",
                                             std::chrono::floor<std::chrono::seconds>(
                                                 std::chrono::system_clock::now()))});
}

void IrcFrontEnd::cmd_info(const irc::Message&) {
    for (const char* text : {"Parley " PARLEY_VERSION ": an asynchronous chat server in C++20 on "
                             "Asio coroutines.",
                             "One session core for plain (nc, telnet) and IRC clients; the same "
                             "rooms and nicknames for all."}) {
        numeric(RPL_INFO, {text});
    }
    numeric(RPL_ENDOFINFO, {"End of /INFO list"});
}

void IrcFrontEnd::cmd_admin(const irc::Message&) {
    numeric(RPL_ADMINME, {server(), "Administrative info"});
    numeric(RPL_ADMINLOC1,
            {fmt::format("{} on the {} network", server(), session_.state().config.network)});
    numeric(RPL_ADMINLOC2, {"Parley chat server"});
    numeric(RPL_ADMINEMAIL, {"the operators of this server (OPER)"});
}

}  // namespace parley
