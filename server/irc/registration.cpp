// IRC registration and connection upkeep: NICK, USER, PASS, CAP, the welcome burst (001-005,
// LUSERS, MOTD), PING and PONG, QUIT.

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/format.hpp"
#include "shared/irc/text.hpp"
#include "shared/names.hpp"

namespace parley {

using namespace irc;

namespace {

constexpr std::string_view version = "parley-" PARLEY_VERSION;

struct CapName {
    Cap cap;
    std::string_view name;
};
// Sorted by name: CAP LS lists them in this order.
constexpr std::array cap_names = {
    CapName{Cap::away_notify, "away-notify"},
    CapName{Cap::batch, "batch"},
    CapName{Cap::cap_notify, "cap-notify"},
    CapName{Cap::chathistory, "draft/chathistory"},
    CapName{Cap::echo_message, "echo-message"},
    CapName{Cap::extended_join, "extended-join"},
    CapName{Cap::invite_notify, "invite-notify"},
    CapName{Cap::message_tags, "message-tags"},
    CapName{Cap::multi_prefix, "multi-prefix"},
    CapName{Cap::server_time, "server-time"},
    CapName{Cap::userhost_in_names, "userhost-in-names"},
};

std::optional<Cap> cap_named(std::string_view name) {
    for (const CapName& c : cap_names) {
        if (c.name == name) {
            return c.cap;
        }
    }
    return std::nullopt;
}

// The user name IRC shows: what USER gave, cut to ASCII letters, digits and ._- (ten at most),
// with '~' before it, as servers mark a user name no ident server vouched for.
std::string user_name(std::string_view given) {
    std::string out = "~";
    for (const char c : given) {
        if (out.size() > 10) {
            break;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '-' || c == '.') {
            out.push_back(c);
        }
    }
    if (out.size() == 1) {
        out.push_back('u');
    }
    return out;
}

}  // namespace

void IrcFrontEnd::cmd_nick(const irc::Message& m) {
    const std::string_view nick = m.param(0);
    if (nick.empty()) {
        numeric(ERR_NONICKNAMEGIVEN, {"No nickname given"});
        return;
    }
    if (nick_problem(nick)) {
        numeric(ERR_ERRONEUSNICKNAME, {nick, "Erroneous nickname"});
        return;
    }
    if (nick_given_ && nick == session_.nick()) {
        return;  // no change at all
    }
    Session* holder = session_.state().registry.find(nick);
    if (holder != nullptr && holder != &session_) {
        numeric(ERR_NICKNAMEINUSE, {nick, "Nickname is already in use"});
        return;
    }
    if (!registered_) {
        // Before registration nobody sees the name change; the name is held from now on.
        if (!session_.registration().rename(nick)) {
            numeric(ERR_NICKNAMEINUSE, {nick, "Nickname is already in use"});
            return;
        }
        nick_given_ = true;
        try_register();
        return;
    }
    Event e = session_.event(EventKind::nick);
    if (!session_.registration().rename(nick)) {
        numeric(ERR_NICKNAMEINUSE, {nick, "Nickname is already in use"});
        return;
    }
    e.text = session_.nick();
    session_.state().whowas.remember(session_, e.nick);
    flush();
    session_.rooms().tell_peers(e, true);
}

void IrcFrontEnd::cmd_user(const irc::Message& m) {
    if (registered_ || user_given_) {
        numeric(ERR_ALREADYREGISTERED, {"You may not reregister"});
        return;
    }
    if (m.param_count < 4 || m.param(0).empty() || m.param(3).empty()) {
        need_more_params("USER");
        return;
    }
    user_ = user_name(m.param(0));
    realname_ = m.param(3);
    user_given_ = true;
    try_register();
}

// No connection password is configured: a PASS is accepted and not checked; after registration
// it is refused as IRC requires.
void IrcFrontEnd::cmd_pass(const irc::Message& m) {
    if (registered_) {
        numeric(ERR_ALREADYREGISTERED, {"You may not reregister"});
    } else if (m.param_count == 0) {
        need_more_params("PASS");
    }
}

std::string IrcFrontEnd::caps_list(bool values) const {
    std::string out;
    for (const CapName& c : cap_names) {
        if (values && !has(c.cap)) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(' ');
        }
        out.append(c.name);
    }
    return out;
}

void IrcFrontEnd::cmd_cap(const irc::Message& m) {
    const std::string_view sub = m.param(0);
    const auto is = [&](std::string_view name) { return casefold_equal(sub, name); };
    if (is("LS")) {
        if (!registered_) {
            negotiating_ = true;
        }
        if (m.param(1) == "302" || (m.param(1).size() == 3 && m.param(1) > "302")) {
            cap_302_ = true;
            caps_.set(static_cast<std::size_t>(Cap::cap_notify));  // implied by 302
        }
        line(server(), "CAP", {me(), "LS", caps_list(false)});
    } else if (is("LIST")) {
        line(server(), "CAP", {me(), "LIST", caps_list(true)});
    } else if (is("REQ")) {
        if (!registered_) {
            negotiating_ = true;
        }
        const std::string_view wanted = m.param(1);
        // All or nothing: one unknown capability refuses the whole request.
        auto next = caps_;
        bool ok = true;
        std::string_view rest = wanted;
        while (ok && !rest.empty()) {
            const std::size_t sp = rest.find(' ');
            std::string_view word = rest.substr(0, sp);
            rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
            if (word.empty()) {
                continue;
            }
            const bool remove = word.front() == '-';
            if (remove) {
                word.remove_prefix(1);
            }
            auto cap = cap_named(word);
            if (!cap) {
                ok = false;
                break;
            }
            next.set(static_cast<std::size_t>(*cap), !remove);
        }
        if (ok) {
            caps_ = next;
            update_message_form();
        }
        line(server(), "CAP", {me(), ok ? "ACK" : "NAK", wanted});
    } else if (is("END")) {
        if (negotiating_) {
            negotiating_ = false;
            try_register();
        }
    } else {
        numeric(ERR_INVALIDCAPCMD,
                {sub.empty() ? std::string_view("*") : sub, "Invalid CAP command"});
    }
}

// The form this client takes a room's messages in (see Session::show_message), which its
// capabilities decide: the same choice show() makes for a message.
void IrcFrontEnd::update_message_form() {
    const bool timed = has(Cap::server_time);
    const bool tagged = has(Cap::message_tags);
    session_.set_message_form(tagged  ? (timed ? Form::irc_tags_time : Form::irc_tags)
                              : timed ? Form::irc_time
                                      : Form::irc);
}

void IrcFrontEnd::try_register() {
    if (registered_ || !nick_given_ || !user_given_ || negotiating_) {
        return;
    }
    registered_ = true;
    ServerState& state = session_.state();
    state.irc_unregistered -= 1;
    state.most_clients =
        std::max(state.most_clients, state.registry.size() - state.irc_unregistered);
    spdlog::info("irc {} registered as {}", session_.peer(), session_.source());
    welcome();
}

void IrcFrontEnd::welcome() {
    const Config& config = session_.state().config;
    numeric(RPL_WELCOME,
            {fmt::format("Welcome to the {} IRC network, {}", config.network, session_.source())});
    numeric(RPL_YOURHOST, {fmt::format("Your host is {}, running version {}", server(), version)});
    numeric(RPL_CREATED,
            {fmt::format("This server was created {:%Y-%m-%d %H:%M:%S} UTC",
                         std::chrono::floor<std::chrono::seconds>(session_.state().started))});
    numeric(RPL_MYINFO, {server(), version, "ioTw", "biklmnostv", "bklov"});
    send_isupport();
    send_lusers();
    send_motd();
}

void IrcFrontEnd::send_isupport() {
    const Config& config = session_.state().config;
    const std::string network = "NETWORK=" + config.network;
    const std::string nicklen = fmt::format("NICKLEN={}", max_nick_length);
    const std::string channellen = fmt::format("CHANNELLEN={}", max_room_length);
    // At most 13 tokens a line, and the text after them, as servers write it.
    const std::array<std::string_view, 12> first = {
        "AWAYLEN=390",   "CASEMAPPING=ascii", "CHANLIMIT=#:100", "CHANMODES=b,k,l,imnst",
        channellen,      "CHANTYPES=#",       "ELIST=MNU",       "KICKLEN=390",
        "MAXLIST=b:100", "MODES=6",           network,           "are supported by this server"};
    numeric(RPL_ISUPPORT, Params(first));
    const std::string chathistory = fmt::format("CHATHISTORY={}", max_history_page);
    const std::array<std::string_view, 10> second = {
        chathistory,
        "MSGREFTYPES=msgid,timestamp",
        nicklen,
        "PREFIX=(ov)@+",
        "SAFELIST",
        "TARGMAX=JOIN:,KICK:,LIST:1,NAMES:,NOTICE:4,PART:,PRIVMSG:4,TAGMSG:4,WHOIS:1",
        "TOPICLEN=390",
        "UTF8ONLY",
        "WHOX",
        "are supported by this server"};
    numeric(RPL_ISUPPORT, Params(second));
}

void IrcFrontEnd::send_lusers() {
    const ServerState& state = session_.state();
    const std::size_t users = state.registry.size() - state.irc_unregistered;
    const std::size_t invisible = state.irc_invisible;
    numeric(RPL_LUSERCLIENT, {fmt::format("There are {} users and {} invisible on 1 servers",
                                          users - invisible, invisible)});
    numeric(RPL_LUSEROP, {fmt::format("{}", state.irc_opers), "operator(s) online"});
    numeric(RPL_LUSERUNKNOWN, {fmt::format("{}", state.irc_unregistered), "unknown connection(s)"});
    // Rooms with members: an empty #lobby is no channel to an IRC client (LIST agrees).
    const std::size_t channels = state.rooms.list().size() - (state.rooms.lobby().empty() ? 1 : 0);
    numeric(RPL_LUSERCHANNELS, {fmt::format("{}", channels), "channels formed"});
    numeric(RPL_LUSERME, {fmt::format("I have {} clients and 0 servers", users)});
    const std::string now = fmt::format("{}", users);
    const std::string most = fmt::format("{}", std::max(state.most_clients, users));
    numeric(RPL_LOCALUSERS, {now, most, fmt::format("Current local users {}, max {}", now, most)});
    numeric(RPL_GLOBALUSERS,
            {now, most, fmt::format("Current global users {}, max {}", now, most)});
}

void IrcFrontEnd::send_motd() {
    const auto& motd = session_.state().config.motd;
    if (motd.empty()) {
        numeric(ERR_NOMOTD, {"MOTD File is missing"});
        return;
    }
    numeric(RPL_MOTDSTART, {fmt::format("- {} Message of the day - ", server())});
    for (const std::string& text : motd) {
        numeric(RPL_MOTD, {fmt::format("- {}", text)});
    }
    numeric(RPL_ENDOFMOTD, {"End of /MOTD command."});
}

void IrcFrontEnd::cmd_lusers(const irc::Message&) {
    send_lusers();
}

void IrcFrontEnd::cmd_motd(const irc::Message& m) {
    if (!m.param(0).empty() && !casefold_equal(m.param(0), server())) {
        numeric(ERR_NOSUCHSERVER, {m.param(0), "No such server"});
        return;
    }
    send_motd();
}

void IrcFrontEnd::cmd_ping(const irc::Message& m) {
    if (m.param_count == 0) {
        numeric(ERR_NOORIGIN, {"No origin specified"});
        return;
    }
    line(server(), "PONG", {server(), m.param(0)});
}

void IrcFrontEnd::cmd_pong(const irc::Message&) {
    pinged_ = false;
}

void IrcFrontEnd::cmd_quit(const irc::Message& m) {
    // Cut as other quit reasons are, so that the ERROR and QUIT lines fit in 512 bytes.
    const std::string reason = m.param_count > 0
                                   ? fmt::format("Quit: {}", cut_utf8(m.param(0), 384))
                                   : std::string("Client Quit");
    flush();
    session_.finish(Ending::quit, reason, farewell(Farewell::refused, "", reason));
}

}  // namespace parley
