#pragma once
// The IRC front end: the client protocol as Modern IRC documents it (modern.ircdocs.horse),
// with the IRCv3 capabilities that irssi, WeeChat and HexChat use, over the same session core,
// rooms and nicknames as the plain protocol. Rooms are channels; an nc user's line reaches IRC
// users as a PRIVMSG from that nick, and the other way round.
//
// Files, one part of the protocol each:
//   irc_input.cpp         bytes to messages: framing, length and text checks, flood, dispatch
//   registration.cpp      NICK, USER, PASS, CAP, the welcome burst, LUSERS, MOTD, PING/PONG, QUIT
//   channel_commands.cpp  JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE
//   messaging.cpp         PRIVMSG, NOTICE, TAGMSG
//   modes.cpp             MODE for channels and users
//   queries.cpp           WHO, WHOIS, WHOWAS, ISON, USERHOST, AWAY, VERSION, TIME, INFO, ADMIN
//   operators.cpp         OPER, KILL, WALLOPS
//   chathistory.cpp       CHATHISTORY (draft/chathistory): a channel's earlier messages
//   irc_events.cpp        events as IRC lines, built once per form
//
// Replies to one client's commands go to a buffer and reach its outbox as one message when
// the input that caused them has been handled (or before an event for this client, so the order
// holds).

#include <bitset>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/front_end.hpp"
#include "server/history_requests.hpp"
#include "server/protocol.hpp"
#include "shared/irc/message.hpp"
#include "shared/line_reader.hpp"

namespace parley {

class Room;
class Session;

// The IRCv3 capabilities Parley offers.
enum class Cap : std::uint8_t {
    away_notify,
    batch,
    cap_notify,
    chathistory,  // draft/chathistory
    echo_message,
    extended_join,
    invite_notify,
    message_tags,
    multi_prefix,
    server_time,
    userhost_in_names,
    count
};

class IrcFrontEnd final : public FrontEnd {
  public:
    static constexpr Protocol protocol_kind = Protocol::irc;

    explicit IrcFrontEnd(Session& session);
    ~IrcFrontEnd();

    void begin() override;
    void on_bytes(std::string_view bytes) override;
    void show(const Event& e) override;
    void removed_from_room() override {}
    // A channel's topic came back from the history store after the client joined: it is told
    // as on joining (332, 333). Its scrollback is not replayed: IRC clients never got one.
    void restored(const Room& room, std::size_t messages, bool topic) override;
    Message farewell(Farewell why, std::string_view code, std::string_view text) override;
    void on_idle(std::chrono::steady_clock::duration silent) override;
    std::string_view user() const override { return user_; }
    std::string_view realname() const override { return realname_; }
    bool registered() const override { return registered_; }
    std::string_view protocol() const override { return "irc"; }

    bool has(Cap c) const { return caps_[static_cast<std::size_t>(c)]; }
    bool invisible() const override { return invisible_; }
    bool oper() const override { return oper_; }
    std::string_view away() const override { return away_; }
    bool wallops() const override { return wallops_; }

  private:
    using Params = std::span<const std::string_view>;

    // Input (irc_input.cpp).
    void on_line(std::string_view line);
    void dispatch(const irc::Message& m);
    bool excess_flood();
    void refuse_line();
    void strike();
    // FAIL COMMAND CODE :text, a refused line (counted, see Metrics).
    void fail(std::string_view command, std::string_view code, std::string_view text);

    // Replies: numerics and lines to this client, sent together (see flush()).
    const std::string& server() const;
    // The client's nick as numerics address it: "*" before registration.
    std::string_view me() const;
    void numeric(unsigned code, std::initializer_list<std::string_view> params);
    void numeric(unsigned code, Params params);
    // Counts an error numeric (400..599) as a refused line.
    void count_error(unsigned code);
    void line(std::string_view source, std::string_view command,
              std::initializer_list<std::string_view> params);
    void flush();
    void need_more_params(std::string_view command);

    // Registration (registration.cpp).
    void cmd_nick(const irc::Message& m);
    void cmd_user(const irc::Message& m);
    void cmd_pass(const irc::Message& m);
    void cmd_cap(const irc::Message& m);
    void cmd_ping(const irc::Message& m);
    void cmd_pong(const irc::Message& m);
    void cmd_quit(const irc::Message& m);
    void cmd_lusers(const irc::Message& m);
    void cmd_motd(const irc::Message& m);
    void try_register();
    void update_message_form();
    void welcome();
    void send_isupport();
    void send_lusers();
    void send_motd();
    std::string caps_list(bool values) const;

    // Channels (channel_commands.cpp).
    void cmd_join(const irc::Message& m);
    void cmd_part(const irc::Message& m);
    void cmd_topic(const irc::Message& m);
    void cmd_names(const irc::Message& m);
    void cmd_list(const irc::Message& m);
    void cmd_kick(const irc::Message& m);
    void cmd_invite(const irc::Message& m);
    void join_one(std::string_view name, std::string_view key);
    void kick_one(std::string_view channel, std::string_view nick, std::string_view reason);
    void part_all();
    // 353 lines of `room`'s members, then 366 when `end`.
    void send_names(const Room& room, bool end = true);
    void send_topic(const Room& room, bool when_empty);

    // Messages (messaging.cpp).
    void cmd_privmsg(const irc::Message& m, EventKind kind);
    void cmd_tagmsg(const irc::Message& m);
    template <class F>
    void for_each_target(const irc::Message& m, F&& f);
    void message_one(std::string_view target, std::string_view text, EventKind kind,
                     std::string_view tags);

    // Modes (modes.cpp).
    void cmd_mode(const irc::Message& m);
    void channel_mode(Room& room, const irc::Message& m);
    void user_mode(const irc::Message& m);
    std::string user_modes() const;
    std::string channel_modes(const Room& room, bool with_key) const;

    // Queries (queries.cpp).
    void cmd_who(const irc::Message& m);
    void cmd_whois(const irc::Message& m);
    void cmd_whowas(const irc::Message& m);
    void cmd_ison(const irc::Message& m);
    void cmd_userhost(const irc::Message& m);
    void cmd_away(const irc::Message& m);
    void cmd_version(const irc::Message& m);
    void cmd_time(const irc::Message& m);
    void cmd_info(const irc::Message& m);
    void cmd_admin(const irc::Message& m);

    // History (chathistory.cpp).
    void cmd_chathistory(const irc::Message& m);
    // FAIL CHATHISTORY <code> <context...> :<text>
    void history_fail(std::string_view code, std::initializer_list<std::string_view> context,
                      std::string_view text);
    // The answer to a CHATHISTORY of `target`: its messages in a chathistory batch (when the
    // client has `batch`), each with the time and msgid it was first sent with.
    void send_history(std::string_view subcommand, std::string_view target,
                      const std::vector<EventPtr>& page, bool failed);
    // One replayed message's lines, tagged for this client (irc_events.cpp).
    void append_replayed(std::string& out, const Event& e, std::string_view batch);

    // Operators (operators.cpp).
    void cmd_oper(const irc::Message& m);
    void cmd_kill(const irc::Message& m);
    void cmd_wallops(const irc::Message& m);

    Session& session_;
    LineReader line_reader_;
    std::string out_;  // replies not yet queued; empty between inputs
    std::string user_;
    std::string realname_;
    std::string away_;
    std::bitset<static_cast<std::size_t>(Cap::count)> caps_;
    bool begun_ = false;  // admitted: counted in the server's IRC counts
    bool nick_given_ = false;
    bool user_given_ = false;
    bool negotiating_ = false;  // CAP LS or REQ before registration: wait for CAP END
    bool registered_ = false;
    bool cap_302_ = false;
    bool invisible_ = false;
    bool oper_ = false;
    bool wallops_ = false;
    bool no_ctcp_ = false;       // +T: no CTCP requests from others
    bool pinged_ = false;        // a server PING is waiting for its PONG
    std::uint32_t batches_ = 0;  // chathistory batches sent: each reference tag is new
    HistoryRequests history_;
};

}  // namespace parley
