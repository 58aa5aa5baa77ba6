// PRIVMSG and NOTICE: to channels (every member, whatever protocol it speaks) and to users. A
// CTCP ACTION becomes an action event, which plain clients see as "/me"; other CTCP requests
// pass between IRC clients only.

#include <fmt/format.h>

#include <memory>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/room_rules.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/format.hpp"
#include "shared/irc/tags.hpp"
#include "shared/irc/text.hpp"

namespace parley {

using namespace irc;

namespace {
constexpr std::size_t max_targets = 4;  // TARGMAX=PRIVMSG:4,NOTICE:4
}

namespace {

// The client-only tags ("+key") of a received message, to be relayed; the others (which the
// server would have to understand) are dropped, as IRCv3 message-tags says.
std::string client_tags(std::string_view raw) {
    std::string out;
    TagReader reader(raw);
    for (Tag tag; reader.next(tag);) {
        if (tag.key.size() > 1 && tag.key.front() == '+' && valid_tag_key(tag.key)) {
            append_tag(out, tag.key, unescape_tag_value(tag.raw_value));
        }
    }
    return out;
}

}  // namespace

void IrcFrontEnd::cmd_tagmsg(const irc::Message& m) {
    if (m.param_count == 0 || m.param(0).empty()) {
        numeric(ERR_NORECIPIENT, {"No recipient given (TAGMSG)"});
        return;
    }
    for_each_target(
        m, [&](std::string_view target) { message_one(target, {}, EventKind::tagmsg, m.tags); });
}

void IrcFrontEnd::cmd_privmsg(const irc::Message& m, EventKind kind) {
    // Automatic replies are never sent to a NOTICE, errors included (RFC 2812 3.3.2).
    const bool notice = kind == EventKind::notice;
    const std::string_view command = notice ? "NOTICE" : "PRIVMSG";
    if (m.param_count == 0 || m.param(0).empty()) {
        if (!notice) {
            numeric(ERR_NORECIPIENT, {fmt::format("No recipient given ({})", command)});
        }
        return;
    }
    if (m.param_count < 2 || m.param(1).empty()) {
        if (!notice) {
            numeric(ERR_NOTEXTTOSEND, {"No text to send"});
        }
        return;
    }
    for_each_target(
        m, [&](std::string_view target) { message_one(target, m.param(1), kind, m.tags); });
}

// Calls f(target) for each of the message's comma-separated targets, up to TARGMAX.
template <class F>
void IrcFrontEnd::for_each_target(const irc::Message& m, F&& f) {
    std::string_view targets = m.param(0);
    std::size_t count = 0;
    while (!targets.empty()) {
        const std::size_t comma = targets.find(',');
        const std::string_view target = targets.substr(0, comma);
        targets.remove_prefix(comma == std::string_view::npos ? targets.size() : comma + 1);
        if (target.empty()) {
            continue;
        }
        if (++count > max_targets) {
            if (!m.is("NOTICE")) {
                numeric(407, {target, "Too many recipients"});
            }
            return;
        }
        f(target);
    }
}

void IrcFrontEnd::message_one(std::string_view target, std::string_view text, EventKind kind,
                              std::string_view tags) {
    const bool notice = kind == EventKind::notice || kind == EventKind::tagmsg;
    // What IRC clients send must reach IRC clients whole: a text that would not fit in a
    // relayed line (":nick!user@host PRIVMSG target :text" within 512 bytes) is refused, as
    // Ergo does, rather than cut or split behind the sender's back.
    if (kind != EventKind::tagmsg &&
        text.size() > trailing_room(session_.source(), "PRIVMSG", {target})) {
        if (!notice) {
            numeric(ERR_INPUTTOOLONG, {"Input line was too long"});
        }
        return;
    }
    auto e = std::make_shared<Event>(session_.event(kind));
    if (kind == EventKind::message) {
        if (auto action = ctcp_action(text)) {
            e->kind = EventKind::action;
            text = *action;
        }
    }
    e->text = text;
    e->client_tags = client_tags(tags);
    ServerState& state = session_.state();
    e->id = ++state.last_message_id;
    if (target.front() == '#') {
        Room* room = state.rooms.find(target);
        if (room == nullptr) {
            if (!notice) {
                numeric(ERR_NOSUCHCHANNEL, {target, "No such channel"});
            }
            return;
        }
        if (auto refusal = speech_refusal(*room, session_)) {
            if (!notice) {
                numeric(ERR_CANNOTSENDTOCHAN, {room->name(), *refusal});
            }
            return;
        }
        e->room = room;
        flush();
        if (kind == EventKind::tagmsg) {
            room->emit(*e, &session_);  // nothing to keep: no text
        } else {
            // Kept in the room's recent messages, which plain clients see on joining.
            state.metrics.of(protocol_kind).messages += 1;
            room->say(e, session_);
        }
        if (has(Cap::echo_message)) {
            show(*e);
        }
        return;
    }
    Session* to = state.registry.find(target);
    if (to == nullptr || !to->front().registered()) {
        if (!notice) {
            numeric(ERR_NOSUCHNICK, {target, "No such nick/channel"});
        }
        return;
    }
    e->target = to->nick();
    flush();
    to->show(*e);
    if (!notice && !to->front().away().empty()) {
        numeric(RPL_AWAY, {to->nick(), to->front().away()});
    }
    if (has(Cap::echo_message)) {
        show(*e);
    }
}

}  // namespace parley
