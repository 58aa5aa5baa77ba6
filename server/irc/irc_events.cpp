// The IRC front end's output: events as IRC lines. Each form (plain IRC, with the server-time
// tag, extended-join) is built once per event and shared by every IRC client that takes it.

#include <vector>

#include "server/irc/irc_front_end.hpp"
#include "server/room.hpp"
#include "server/room_rules.hpp"
#include "server/session.hpp"
#include "shared/irc/chathistory.hpp"
#include "shared/irc/format.hpp"
#include "shared/irc/text.hpp"

namespace parley {

using namespace irc;

namespace {

std::int64_t ms_of(const Event& e) {
    return std::chrono::floor<std::chrono::milliseconds>(e.time).time_since_epoch().count();
}

// PRIVMSG, NOTICE or (for an action) a PRIVMSG holding CTCP ACTION, cut into as many lines as
// the text needs: text from the plain side may be longer than IRC's 512 bytes, and is cut at
// UTF-8 boundaries (at a space where one fits).
void append_text_lines(std::string& out, const Event& e, std::string_view target) {
    const std::string_view command = e.kind == EventKind::notice ? "NOTICE" : "PRIVMSG";
    const bool action = e.kind == EventKind::action;
    // An action's pieces each carry "\x01ACTION " and "\x01".
    const std::size_t framing = action ? 9 : 0;
    const std::size_t room = trailing_room(e.source, command, {target});
    const std::size_t piece_max = room > framing + min_piece ? room - framing : min_piece;
    std::string_view rest = e.text;
    std::string text;
    do {
        const std::string_view piece = next_piece(rest, piece_max);
        if (action) {
            text.clear();
            append_ctcp_action(text, piece);
            append_message(out, {}, e.source, command, {target, text}, Trailing::always);
        } else {
            append_message(out, {}, e.source, command, {target, piece}, Trailing::always);
        }
    } while (!rest.empty());
}

std::string irc_lines(const Event& e, bool extended_join) {
    std::string out;
    const std::string_view room = e.room != nullptr ? std::string_view(e.room->name()) : "";
    switch (e.kind) {
        case EventKind::message:
        case EventKind::notice:
        case EventKind::action:
            append_text_lines(out, e, e.room != nullptr ? room : std::string_view(e.target));
            break;
        case EventKind::join:
            if (extended_join) {
                // No accounts on Parley: "*" for the account name.
                append_message(out, {}, e.source, "JOIN", {room, "*", e.text}, Trailing::always);
            } else {
                append_message(out, {}, e.source, "JOIN", {room});
            }
            break;
        case EventKind::part:
            if (e.text.empty()) {
                append_message(out, {}, e.source, "PART", {room});
            } else {
                append_message(out, {}, e.source, "PART", {room, e.text}, Trailing::always);
            }
            break;
        case EventKind::quit:
            append_message(out, {}, e.source, "QUIT", {e.text}, Trailing::always);
            break;
        case EventKind::nick:
            append_message(out, {}, e.source, "NICK", {e.text});
            break;
        case EventKind::topic:
            append_message(out, {}, e.source, "TOPIC", {room, e.text}, Trailing::always);
            break;
        case EventKind::kick:
            append_message(out, {}, e.source, "KICK", {room, e.target, e.text}, Trailing::always);
            break;
        case EventKind::mode: {
            // The change as MODE's parameters: "+o-v bob carol".
            std::vector<std::string_view> params{room};
            std::string_view rest = e.text;
            while (!rest.empty()) {
                const std::size_t sp = rest.find(' ');
                params.push_back(rest.substr(0, sp));
                rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
            }
            append_message(out, {}, e.source, "MODE", params);
            break;
        }
        case EventKind::away:
            if (e.text.empty()) {
                append_message(out, {}, e.source, "AWAY", {});
            } else {
                append_message(out, {}, e.source, "AWAY", {e.text}, Trailing::always);
            }
            break;
        case EventKind::invite:
            append_message(out, {}, e.source, "INVITE", {e.target, room});
            break;
        case EventKind::tagmsg:
            append_message(out, {}, e.source, "TAGMSG",
                           {e.room != nullptr ? room : std::string_view(e.target)});
            break;
    }
    return out;
}

// The same lines, each with IRCv3 tags: the server-time tag when `time`, and for a message
// with `tagged`, its msgid and the sender's client tags.
std::string with_tags(const std::string& lines, const Event& e, bool time, bool tagged) {
    std::string tag = "@";
    if (time) {
        tag += "time=";
        tag += format_server_time(ms_of(e));
    }
    if (tagged && e.id != 0) {
        if (tag.size() > 1) {
            tag.push_back(';');
        }
        // The time and the id: both are stored, so a replayed message keeps its msgid
        // (shared/irc/chathistory.hpp).
        tag += "msgid=";
        tag += format_msgid({ms_of(e), e.id});
        if (!e.client_tags.empty()) {
            tag.push_back(';');
            tag += e.client_tags;
        }
    }
    if (tag.size() == 1) {
        return lines;
    }
    tag.push_back(' ');
    std::string out;
    out.reserve(lines.size() + tag.size() * 2);
    std::string_view rest = lines;
    while (!rest.empty()) {
        const std::size_t end = rest.find('\n');
        out.append(tag);
        out.append(rest.substr(0, end == std::string_view::npos ? rest.size() : end + 1));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    }
    return out;
}

}  // namespace

void IrcFrontEnd::show(const Event& e) {
    if (!registered_) {
        return;  // a client still registering is in no channel, and nobody can reach it
    }
    switch (e.kind) {
        case EventKind::message:
        case EventKind::notice:
            // +T: CTCP requests (VERSION, PING, ...) from others are not passed on.
            if (no_ctcp_ && e.room == nullptr && e.origin != &session_ && is_ctcp_request(e.text)) {
                return;
            }
            break;
        case EventKind::away:
            if (!has(Cap::away_notify) || e.origin == &session_) {
                return;
            }
            break;
        case EventKind::tagmsg:
            if (!has(Cap::message_tags)) {
                return;
            }
            break;
        case EventKind::invite:
            // The one invited sees it; with invite-notify, so do the channel's operators.
            if (e.target != session_.nick() && !(has(Cap::invite_notify) && e.room != nullptr &&
                                                 room_operator(*e.room, session_))) {
                return;
            }
            break;
        default:
            break;
    }
    flush();  // replies already made come first
    const bool extended = e.kind == EventKind::join && has(Cap::extended_join);
    const bool timed = has(Cap::server_time);
    const bool tagged = e.id != 0 && has(Cap::message_tags);
    const Form base = extended ? Form::irc_extended : Form::irc;
    const parley::Message& lines =
        e.form(base, [&] { return make_message(irc_lines(e, extended)); });
    if (!timed && !tagged) {
        session_.deliver(lines);
        return;
    }
    const Form form = tagged ? (timed ? Form::irc_tags_time : Form::irc_tags)
                             : (extended ? Form::irc_extended_time : Form::irc_time);
    session_.deliver(
        e.form(form, [&] { return make_message(with_tags(*lines, e, timed, tagged)); }));
}

void IrcFrontEnd::append_replayed(std::string& out, const Event& e, std::string_view batch) {
    // The lines every IRC client without tags takes, shared with them, each with this
    // client's tags in front: the batch's reference, and the time and msgid it was sent with.
    const parley::Message& lines =
        e.form(Form::irc, [&] { return make_message(irc_lines(e, false)); });
    std::string tag;
    if (!batch.empty()) {
        tag += "batch=";
        tag += batch;
    }
    if (has(Cap::server_time)) {
        tag += tag.empty() ? "time=" : ";time=";
        tag += format_server_time(ms_of(e));
    }
    if (has(Cap::message_tags) && e.id != 0) {
        tag += tag.empty() ? "msgid=" : ";msgid=";
        tag += format_msgid({ms_of(e), e.id});
    }
    std::string_view rest = *lines;
    while (!rest.empty()) {
        const std::size_t end = rest.find('\n');
        const std::size_t n = end == std::string_view::npos ? rest.size() : end + 1;
        if (!tag.empty()) {
            out.push_back('@');
            out.append(tag);
            out.push_back(' ');
        }
        out.append(rest.substr(0, n));
        rest.remove_prefix(n);
    }
}

}  // namespace parley
