// The web front end's output: events as JSON records, one text frame each, built once per event
// (Form::json) and shared by every browser that sees it; and the answers that describe a
// room (`joined`, `history`), made for the one browser that asked.

#include "server/line_front_end.hpp"
#include "server/memberships.hpp"
#include "server/room.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/web/web_front_end.hpp"
#include "server/web/web_json.hpp"
#include "shared/irc/text.hpp"

namespace parley {

void WebFrontEnd::show(const Event& e) {
    switch (e.kind) {
        case EventKind::message:
        case EventKind::notice:
        case EventKind::action: {
            const Message& m = e.form(Form::json, [&] {
                if (irc::is_ctcp_request(e.text)) {
                    return make_message({});  // VERSION, PING, DCC...: IRC clients only
                }
                return web::text_frame(web::event_record(e));
            });
            if (!m->empty()) {
                session_.deliver(m);
            }
            return;
        }
        case EventKind::join:
        case EventKind::part:
        case EventKind::quit:
        case EventKind::nick:
        case EventKind::topic:
        case EventKind::kick:
        case EventKind::mode:
            break;
        case EventKind::invite:
            if (e.target != session_.nick()) {
                return;  // invite-notify for a room's operators: IRC's
            }
            break;
        case EventKind::away:
        case EventKind::tagmsg:
            return;  // nothing a browser shows
    }
    session_.deliver(e.form(Form::json, [&] { return web::text_frame(web::event_record(e)); }));
}

void WebFrontEnd::send_joined(const Room& room, const std::string& ref) {
    web::Json topic = nullptr;
    if (!room.topic().empty()) {
        topic = {{"text", plain_text(room.topic())},
                 {"nick", room.topic_setter()},
                 {"time", web::epoch_ms(room.topic_time())}};
    }
    web::Json joined = {{"type", "joined"},
                        {"room", room.name()},
                        {"topic", std::move(topic)},
                        {"members", web::member_list(room, session_)}};
    web::set_ref(joined, ref);
    send(joined);
    // The scrollback: the room's recent messages, as they were said. Earlier ones exist only
    // in a history store, and only if the room keeps as many as it may (--history): a room
    // with fewer has kept all it ever had since it was made or restored.
    const std::vector<EventPtr> recent(room.history().begin(), room.history().end());
    const ServerState& state = session_.state();
    const bool more = state.rooms.history() != nullptr && state.config.history > 0 &&
                      recent.size() >= state.config.history;
    send_history(room, recent, more, {});
}

void WebFrontEnd::send_history(const Room& room, const std::vector<EventPtr>& events, bool more,
                               const std::string& ref) {
    web::Json list = web::Json::array();
    for (const EventPtr& e : events) {
        if (!irc::is_ctcp_request(e->text)) {
            list.push_back(web::event_record(*e));
        }
    }
    web::Json answer = {
        {"type", "history"}, {"room", room.name()}, {"events", std::move(list)}, {"more", more}};
    web::set_ref(answer, ref);
    send(answer);
}

// The history store gave back what a re-created room had: told as a page of scrollback, and
// the topic as the event that set it.
void WebFrontEnd::restored(const Room& room, std::size_t messages, bool topic) {
    if (!room.has(session_)) {
        return;
    }
    if (topic) {
        Event e;
        e.kind = EventKind::topic;
        e.time = room.topic_time();
        e.room = &room;
        e.nick = room.topic_setter();
        e.text = room.topic();
        session_.deliver(web::text_frame(web::event_record(e)));
    }
    if (messages > 0) {
        const auto& history = room.history();
        const std::vector<EventPtr> earlier(
            history.begin(), history.begin() + static_cast<std::ptrdiff_t>(messages));
        send_history(room, earlier, messages >= session_.state().config.history, {});
    }
}

}  // namespace parley
