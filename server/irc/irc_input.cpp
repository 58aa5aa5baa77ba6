// The IRC front end's input: bytes to messages. Lines are framed at IRC's limits (512 bytes
// with the CRLF, and 4096 more for a client's tags), checked (UTF-8, terminal escapes),
// counted against the client's rate, parsed, and dispatched to the command's handler.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/format.hpp"
#include "shared/text.hpp"

namespace parley {

using namespace irc;

namespace {

// The longest line framed: the client's tags and the rest at their limits. A longer one is
// refused whole with 417, as is a line over either limit.
constexpr std::size_t framed_limit = irc::max_line(max_client_tags_part, max_rest);

// IRC text may hold the formatting codes (bold, colour, ...) and CTCP's 0x01; never another
// control character, so no terminal escape sequence reaches anybody.
bool clean_irc_text(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x20) {
            switch (c) {
                case 0x01:
                case 0x02:
                case 0x03:
                case 0x04:
                case 0x0F:
                case 0x11:
                case 0x16:
                case 0x1D:
                case 0x1E:
                case 0x1F:
                case '\t':
                    continue;
                default:
                    return false;
            }
        }
        if (c == 0x7F) {
            return false;
        }
        // C1 controls, U+0080..U+009F, are 0xC2 0x80..0x9F in UTF-8.
        if (c == 0xC2 && i + 1 < line.size() && static_cast<unsigned char>(line[i + 1]) < 0xA0) {
            return false;
        }
    }
    return true;
}

}  // namespace

IrcFrontEnd::IrcFrontEnd(Session& session) : session_(session), line_reader_(framed_limit) {}

void IrcFrontEnd::begin() {
    begun_ = true;
    update_message_form();
    session_.state().irc_unregistered += 1;
}

// The counts LUSERS reads are given back on every way out of the session.
IrcFrontEnd::~IrcFrontEnd() {
    if (!begun_) {
        return;
    }
    ServerState& state = session_.state();
    if (!registered_) {
        state.irc_unregistered -= 1;
    }
    if (invisible_) {
        state.irc_invisible -= 1;
    }
    if (oper_) {
        state.irc_opers -= 1;
    }
}

const std::string& IrcFrontEnd::server() const {
    return session_.state().config.server_name;
}

std::string_view IrcFrontEnd::me() const {
    return registered_ ? std::string_view(session_.nick()) : std::string_view("*");
}

void IrcFrontEnd::numeric(unsigned code, std::initializer_list<std::string_view> params) {
    count_error(code);
    append_numeric(out_, server(), code, me(), params);
}

void IrcFrontEnd::numeric(unsigned code, Params params) {
    count_error(code);
    append_numeric(out_, server(), code, me(), params);
}

// Error numerics are refused lines (or refused targets of one), by their number; but 422, "no
// MOTD", which every client gets on registering when there is none, refuses nothing.
void IrcFrontEnd::count_error(unsigned code) {
    if (code >= 400 && code < 600 && code != ERR_NOMOTD) {
        std::array<char, 4> digits{};
        fmt::format_to_n(digits.data(), 3, "{:03}", code);
        session_.state().metrics.refused_line(protocol_kind, std::string_view(digits.data(), 3));
    }
}

void IrcFrontEnd::fail(std::string_view command, std::string_view code, std::string_view text) {
    session_.state().metrics.refused_line(protocol_kind, code);
    append_message(out_, {}, server(), "FAIL", {command, code, text});
}

void IrcFrontEnd::line(std::string_view source, std::string_view command,
                       std::initializer_list<std::string_view> params) {
    append_message(out_, {}, source, command, params);
}

void IrcFrontEnd::flush() {
    if (!out_.empty()) {
        session_.deliver(make_message(std::move(out_)));
        out_.clear();
        out_.shrink_to_fit();  // an idle client holds no reply buffer
    }
}

void IrcFrontEnd::need_more_params(std::string_view command) {
    numeric(ERR_NEEDMOREPARAMS, {command, "Not enough parameters"});
}

void IrcFrontEnd::on_bytes(std::string_view bytes) {
    pinged_ = false;  // anything at all shows the client is there
    line_reader_.feed(bytes, [this](LineReader::Kind kind, std::string_view text) {
        if (session_.ending()) {
            return;
        }
        session_.state().metrics.of(protocol_kind).lines_received += 1;
        if (kind == LineReader::Kind::overlong) {
            refuse_line();
            return;
        }
        on_line(text);
    });
    flush();
}

void IrcFrontEnd::on_line(std::string_view text) {
    if (text.empty()) {
        return;  // a bare CRLF: clients send them as keepalives
    }
    if (!session_.take_line() && excess_flood()) {
        return;
    }
    if (check_length(text, max_client_tags_part, max_rest) != LengthProblem::none) {
        refuse_line();
        return;
    }
    irc::Message m;
    const ParseError error = parse(text, m, max_client_tags_part);
    if (error == ParseError::empty) {
        return;
    }
    if (error != ParseError::none) {
        // No command to name: tell the client what was wrong with the line.
        numeric(ERR_UNKNOWNCOMMAND,
                {m.command.empty() ? std::string_view("*") : m.command, error_name(error)});
        return;
    }
    // UTF8ONLY (ISUPPORT): the line is refused, not repaired, as on the plain side.
    if (!valid_utf8(text)) {
        fail(m.command, "INVALID_UTF8", "Message rejected: this server takes UTF-8 text only");
        strike();
        return;
    }
    if (!clean_irc_text(text)) {
        fail(m.command, "INVALID_TEXT",
             "Message rejected: it holds a control character or terminal escape");
        strike();
        return;
    }
    dispatch(m);
}

// A line too long for IRC: refused whole (never cut), and a strike.
void IrcFrontEnd::refuse_line() {
    numeric(ERR_INPUTTOOLONG, {"Input line was too long"});
    strike();
}

// Refused lines count as on the plain side: too many (--strikes, one forgiven a second) end
// the session.
void IrcFrontEnd::strike() {
    session_.strike("abuse", farewell(Farewell::refused, "", "Too many refused lines"));
}

// Flood control. An IRC client is not told "lines are being dropped" as a plain one is: a
// dropped JOIN or PART would leave its view of the channels wrong. It gets --burst lines at
// once (irssi sends a dozen on connecting) and --rate a second after that; past that it is
// disconnected, as IRC servers do.
bool IrcFrontEnd::excess_flood() {
    spdlog::warn("disconnect {} {}: excess flood", session_.peer(), session_.nick());
    session_.finish(Ending::flood, "Excess Flood",
                    farewell(Farewell::refused, "flood", "Excess Flood"));
    return true;
}

void IrcFrontEnd::dispatch(const irc::Message& m) {
    using Handler = void (IrcFrontEnd::*)(const irc::Message&);
    struct Command {
        std::string_view name;
        Handler handler;
        bool before_registration;  // allowed before NICK and USER are done
    };
    static constexpr std::array commands = {
        Command{"PRIVMSG", nullptr, false},  // PRIVMSG and NOTICE share one handler
        Command{"NOTICE", nullptr, false},
        Command{"TAGMSG", &IrcFrontEnd::cmd_tagmsg, false},
        Command{"PING", &IrcFrontEnd::cmd_ping, true},
        Command{"PONG", &IrcFrontEnd::cmd_pong, true},
        Command{"JOIN", &IrcFrontEnd::cmd_join, false},
        Command{"PART", &IrcFrontEnd::cmd_part, false},
        Command{"MODE", &IrcFrontEnd::cmd_mode, false},
        Command{"WHO", &IrcFrontEnd::cmd_who, false},
        Command{"NICK", &IrcFrontEnd::cmd_nick, true},
        Command{"USER", &IrcFrontEnd::cmd_user, true},
        Command{"PASS", &IrcFrontEnd::cmd_pass, true},
        Command{"CAP", &IrcFrontEnd::cmd_cap, true},
        Command{"QUIT", &IrcFrontEnd::cmd_quit, true},
        Command{"TOPIC", &IrcFrontEnd::cmd_topic, false},
        Command{"NAMES", &IrcFrontEnd::cmd_names, false},
        Command{"LIST", &IrcFrontEnd::cmd_list, false},
        Command{"KICK", &IrcFrontEnd::cmd_kick, false},
        Command{"INVITE", &IrcFrontEnd::cmd_invite, false},
        Command{"WHOIS", &IrcFrontEnd::cmd_whois, false},
        Command{"WHOWAS", &IrcFrontEnd::cmd_whowas, false},
        Command{"ISON", &IrcFrontEnd::cmd_ison, false},
        Command{"USERHOST", &IrcFrontEnd::cmd_userhost, false},
        Command{"AWAY", &IrcFrontEnd::cmd_away, false},
        Command{"LUSERS", &IrcFrontEnd::cmd_lusers, false},
        Command{"MOTD", &IrcFrontEnd::cmd_motd, false},
        Command{"VERSION", &IrcFrontEnd::cmd_version, false},
        Command{"TIME", &IrcFrontEnd::cmd_time, false},
        Command{"INFO", &IrcFrontEnd::cmd_info, false},
        Command{"ADMIN", &IrcFrontEnd::cmd_admin, false},
        Command{"OPER", &IrcFrontEnd::cmd_oper, false},
        Command{"KILL", &IrcFrontEnd::cmd_kill, false},
        Command{"WALLOPS", &IrcFrontEnd::cmd_wallops, false},
        Command{"CHATHISTORY", &IrcFrontEnd::cmd_chathistory, false},
    };
    for (const Command& c : commands) {
        if (!m.is(c.name)) {
            continue;
        }
        if (!registered_ && !c.before_registration) {
            numeric(ERR_NOTREGISTERED, {"You have not registered"});
            return;
        }
        if (c.handler == nullptr) {
            cmd_privmsg(m, m.is("NOTICE") ? EventKind::notice : EventKind::message);
        } else {
            (this->*c.handler)(m);
        }
        return;
    }
    if (!registered_) {
        numeric(ERR_NOTREGISTERED, {"You have not registered"});
        return;
    }
    numeric(ERR_UNKNOWNCOMMAND, {m.command, "Unknown command"});
}

parley::Message IrcFrontEnd::farewell(Farewell why, std::string_view, std::string_view text) {
    std::string bytes;
    flush();
    const std::string reason =
        why == Farewell::shutdown ? std::string("Server shutting down") : std::string(text);
    append_message(bytes, {}, {}, "ERROR",
                   {fmt::format("Closing Link: {} ({})", session_.host(), reason)},
                   Trailing::always);
    return make_message(std::move(bytes));
}

void IrcFrontEnd::on_idle(std::chrono::steady_clock::duration silent) {
    // A client that connects and never registers holds a connection slot and a guest nick for
    // a minute at most, or the ping interval if that is shorter (0 turns pings off, not this).
    const double interval = session_.state().config.ping_interval;
    const auto registration_timeout = interval > 0
                                          ? std::min<std::chrono::steady_clock::duration>(
                                                from_seconds(interval), std::chrono::seconds(60))
                                          : std::chrono::seconds(60);
    if (!registered_ &&
        std::chrono::steady_clock::now() - session_.opened() > registration_timeout) {
        session_.finish(Ending::registration_timeout, "Registration timed out",
                        farewell(Farewell::idle, "", "Registration timed out"));
        return;
    }
    if (interval <= 0 || !registered_) {
        return;
    }
    const auto ping_after = from_seconds(interval);
    if (pinged_ && silent >= 2 * ping_after) {
        const std::string reason = fmt::format("Ping timeout: {:.0f} seconds",
                                               std::chrono::duration<double>(silent).count());
        session_.finish(Ending::ping_timeout, reason, farewell(Farewell::idle, "", reason));
    } else if (silent >= ping_after && !pinged_) {
        pinged_ = true;
        line({}, "PING", {server()});
        flush();
    }
}

}  // namespace parley
