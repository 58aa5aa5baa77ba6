// The plain front end's output: events as Parley's lines. Each line is built once per event
// (Event::form) and shared by every plain client that sees it.

#include <fmt/format.h>

#include "server/line_front_end.hpp"
#include "server/memberships.hpp"
#include "server/room.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/text.hpp"

namespace parley {

std::string plain_text(std::string_view text) {
    std::string out;
    irc::append_stripped(out, text);
    // What is left of CTCP framing (0x01), the one control character IRC text keeps.
    std::erase(out, irc::ctcp_delim);
    return out;
}

namespace {
// The plain form of an event plain clients do not see: built (and checked) once per event, not
// once per recipient.
const Message& nothing_to_show() {
    static const Message empty = make_message({});
    return empty;
}
}  // namespace

// Presence in a room past --announce-limit is shown only to the one it is about (see
// Room::announces). Quits and nick changes carry no room: the client's own room decides.
bool LineFrontEnd::sees_presence(const Event& e) const {
    if (e.origin == &session_) {
        return true;
    }
    const Room* room = e.room != nullptr ? e.room : session_.rooms().current();
    return room == nullptr || room->announces();
}

void LineFrontEnd::show(const Event& e) {
    // Stamped with the event's own time, which a message replayed from history keeps.
    const auto stamped = [&] { return Lines(session_.state().config.timestamps, e.time); };
    const auto notice = [&](auto&& text) {
        deliver(e.form(Form::plain, [&] { return stamped().notice(text()).done(); }));
    };
    switch (e.kind) {
        case EventKind::message:
        case EventKind::notice: {
            const Message& m = e.form(Form::plain, [&] {
                if (irc::is_ctcp_request(e.text)) {
                    return nothing_to_show();  // VERSION, PING, DCC...: IRC clients only
                }
                return e.room != nullptr
                           ? stamped()
                                 .room_message(e.room->name(), e.nick, plain_text(e.text))
                                 .done()
                           : stamped().private_message(e.nick, plain_text(e.text)).done();
            });
            if (!m->empty()) {
                deliver(m);
            }
            return;
        }
        case EventKind::action:
            if (e.room != nullptr) {
                deliver(e.form(Form::plain, [&] {
                    return stamped().room_action(e.room->name(), e.nick, plain_text(e.text)).done();
                }));
            } else {
                deliver(e.form(Form::plain, [&] {
                    return stamped()
                        .private_message(e.nick, fmt::format("* {} {}", e.nick, plain_text(e.text)))
                        .done();
                }));
            }
            return;
        case EventKind::join:
            if (sees_presence(e)) {
                notice([&] { return fmt::format("{} joined {}", e.nick, e.room->name()); });
            }
            return;
        case EventKind::part:
            if (sees_presence(e)) {
                notice([&] {
                    return e.text.empty() ? fmt::format("{} left {}", e.nick, e.room->name())
                                          : fmt::format("{} left {} ({})", e.nick, e.room->name(),
                                                        plain_text(e.text));
                });
            }
            return;
        case EventKind::quit:
            if (sees_presence(e)) {
                notice([&] { return fmt::format("{} quit ({})", e.nick, plain_text(e.text)); });
            }
            return;
        case EventKind::nick:
            if (sees_presence(e)) {
                notice([&] { return fmt::format("{} is now known as {}", e.nick, e.text); });
            }
            return;
        case EventKind::topic:
            notice([&] {
                return e.text.empty()
                           ? fmt::format("{} cleared the topic of {}", e.nick, e.room->name())
                           : fmt::format("{} set the topic of {} to: {}", e.nick, e.room->name(),
                                         plain_text(e.text));
            });
            return;
        case EventKind::kick:
            notice([&] {
                return fmt::format("{} was kicked from {} by {} ({})", e.target, e.room->name(),
                                   e.nick, plain_text(e.text));
            });
            return;
        case EventKind::mode:
            notice([&] {
                return fmt::format("{} sets mode {} on {}", e.nick, e.text, e.room->name());
            });
            return;
        case EventKind::invite:
            if (e.target == session_.nick()) {
                deliver(stamped()
                            .notice(fmt::format("{} invites you to {} (/join {})", e.nick,
                                                e.room->name(), e.room->name()))
                            .done());
            }
            return;
        case EventKind::away:
        case EventKind::tagmsg:
            return;  // a plain client has no nick list to mark, nor tags to show
    }
}

// A plain client that lost its room (kicked from it) goes back to the lobby, as after /leave.
void LineFrontEnd::removed_from_room() {
    if (session_.rooms().empty() && !session_.ending()) {
        enter(session_.state().rooms.lobby());
    }
}

}  // namespace parley
