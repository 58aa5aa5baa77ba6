#pragma once
// IRC as the load client speaks it (RFC 1459/2812 client side, the part a chat client needs):
// register with NICK and USER, JOIN the room once the server says 001 (servers answer a JOIN
// sent before registration completes with 451, and InspIRCd completes it only in its
// once-a-second background pass), then "PRIVMSG #room :payload" to publish. A delivery is
// "[@tags] :nick!user@host PRIVMSG #room :payload" from someone else: IRC servers do not echo
// a client's own messages unless it asked for the echo-message capability, which this client
// does not. The server's PINGs must be answered with PONG or it drops the client.
//
// The same protocol loads any IRC server: Parley's IRC front end, InspIRCd and ngIRCd are
// targets of one kind, told apart by their labels (irc:inspircd=...).

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"

namespace parley::load {

// The longest payload that keeps a delivered line within IRC's 512 bytes: the prefix
// ":nick!user@host" (nick up to 31, user up to 10, host up to 64), " PRIVMSG #room :" and
// CRLF take up to about 150 of them. ngIRCd closes a client that sends a longer line and
// InspIRCd cuts it, so a bigger --size would measure truncation, not delivery.
inline constexpr std::size_t kIrcMaxPayload = 350;

namespace detail {

// One IRC line cut into views (nothing copied): "[@tags ][:prefix ]command[ params]".
struct IrcMessage {
    std::string_view prefix;  // without ':'; "nick!user@host" or a server name
    std::string_view command;
    std::string_view params;  // everything after the command and its spaces
};

inline std::string_view skip_spaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    return s;
}

// The word at the front of `s` (up to a space) and, in `rest`, what follows it and its spaces.
inline std::string_view irc_word(std::string_view s, std::string_view& rest) {
    const void* sp = std::memchr(s.data(), ' ', s.size());
    if (sp == nullptr) {
        rest = {};
        return s;
    }
    const auto n = static_cast<std::size_t>(static_cast<const char*>(sp) - s.data());
    rest = skip_spaces(s.substr(n + 1));
    return s.substr(0, n);
}

inline IrcMessage irc_split(std::string_view line) {
    IrcMessage m;
    std::string_view rest = line;
    if (!rest.empty() && rest.front() == '@') {  // IRCv3 message tags: not needed here
        irc_word(rest, rest);
    }
    if (!rest.empty() && rest.front() == ':') {
        m.prefix = irc_word(rest.substr(1), rest);
    }
    m.command = irc_word(rest, m.params);
    return m;
}

// The first parameter of `params` ("#room :text" -> "#room"); a trailing one (":#room", as
// ngIRCd sends JOIN) counts as the first too. `rest` gets what follows.
inline std::string_view irc_first_param(std::string_view params, std::string_view& rest) {
    if (!params.empty() && params.front() == ':') {
        rest = {};
        return params.substr(1);
    }
    return irc_word(params, rest);
}

// The three-digit numeric of a command, or -1.
inline int irc_numeric(std::string_view command) {
    if (command.size() != 3) {
        return -1;
    }
    int v = 0;
    for (char ch : command) {
        if (ch < '0' || ch > '9') {
            return -1;
        }
        v = v * 10 + (ch - '0');
    }
    return v;
}

}  // namespace detail

struct IrcProtocol {
    static constexpr std::string_view name = "irc";
    // No echo; a member publishes on its own connection; a publisher joins the room like
    // anyone (channels are +n: no messages from outside); the client picks its nickname.
    static constexpr ProtocolTraits traits{false, true, true, true, kIrcMaxPayload};

    // Both hellos register; the JOIN follows the server's 001 (append_join).
    static void append_subscribe(std::string& out, std::string_view room, std::string_view nick);
    static void append_publisher_hello(std::string& out, std::string_view room,
                                       std::string_view nick);
    static void append_join(std::string& out, std::string_view room);
    static void append_nick(std::string& out, std::string_view nick);
    // The answer to a PING whose parameters were `params` (":token" -> "PONG :token").
    static void append_pong(std::string& out, std::string_view params);
    static void append_publish(std::string& out, std::string_view room, std::size_t size,
                               const Payload& payload);
    static void append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                std::string_view payload);
    // What a server answers a subscriber's hello with (the self-test's stand-in server): the
    // welcome and the end of the room's names, as if the JOIN had already been answered.
    static void append_subscribed(std::string& out, std::string_view room, std::string_view nick);

    // PRIVMSGs to a channel are deliveries (the room without its '#'); PING, 001, JOIN, 366
    // and errors are told apart for the engine; every other line is Control::other.
    template <class Handler>
    static std::size_t parse(const char* data, std::size_t n, Handler& h) {
        const char* p = data;
        const char* end = data + n;
        while (p < end) {
            const char* lf = detail::find_lf(p, end);
            if (lf == nullptr) {
                break;
            }
            const std::string_view line =
                detail::strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
            p = lf + 1;
            const detail::IrcMessage m = detail::irc_split(line);
            if (m.command == "PRIVMSG") {
                std::string_view text;
                const std::string_view target = detail::irc_first_param(m.params, text);
                if (target.size() > 1 && target.front() == '#') {
                    if (!text.empty() && text.front() == ':') {
                        text.remove_prefix(1);
                    }
                    h.payload(target.substr(1), text);
                    continue;
                }
                h.control(Control::other, line);
                continue;
            }
            classify(m, line, h);
        }
        return static_cast<std::size_t>(p - data);
    }

  private:
    template <class Handler>
    static void classify(const detail::IrcMessage& m, std::string_view line, Handler& h) {
        if (m.command.empty()) {
            return;  // an empty line
        }
        if (m.command == "PING") {
            h.control(Control::ping, m.params);
            return;
        }
        if (m.command == "JOIN") {
            h.control(Control::joined, line);
            return;
        }
        if (m.command == "ERROR") {
            h.control(Control::error, line);
            return;
        }
        const int code = detail::irc_numeric(m.command);
        if (code == 1) {
            h.control(Control::registered, line);
        } else if (code == 366) {
            // "366 nick #room :End of /NAMES list.": the join is complete.
            std::string_view rest;
            detail::irc_word(m.params, rest);
            std::string_view after;
            const std::string_view chan = detail::irc_first_param(rest, after);
            h.control(Control::subscribed, chan.empty() ? chan : chan.substr(1));
        } else if (code >= 400 && code < 600 && code != 422) {
            // 422 (no MOTD) is no failure: servers without a MOTD send it to every client.
            h.control(Control::error, line);
        } else {
            h.control(Control::other, line);
        }
    }
};

// IRC lines the load client looks into (not on the delivery path).
// The nickname in a message's prefix ("nick!user@host" -> "nick"); empty for none.
std::string_view irc_prefix_nick(std::string_view line);
// True for a JOIN of `nick` to "#room".
bool irc_is_join(std::string_view line, std::string_view nick, std::string_view room);
// For ":NICK!user@host QUIT :REASON": sets nick and reason and returns true.
bool irc_quit(std::string_view line, std::string_view& nick, std::string_view& reason);
// The numeric of a server reply (433), or -1 for anything else (ERROR, commands).
int irc_reply_code(std::string_view line);

}  // namespace parley::load
