#include "server/web/web_json.hpp"

#include <algorithm>
#include <vector>

#include "server/line_front_end.hpp"
#include "server/room.hpp"
#include "server/session.hpp"
#include "shared/folded.hpp"
#include "shared/websocket/frame.hpp"

namespace parley::web {

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string_view kind_name(EventKind k) {
    switch (k) {
        case EventKind::message:
            return "message";
        case EventKind::action:
            return "action";
        case EventKind::notice:
            return "notice";
        case EventKind::join:
            return "join";
        case EventKind::part:
            return "part";
        case EventKind::quit:
            return "quit";
        case EventKind::nick:
            return "nick";
        case EventKind::topic:
            return "topic";
        case EventKind::kick:
            return "kick";
        case EventKind::mode:
            return "mode";
        case EventKind::away:
            return "away";
        case EventKind::invite:
            return "invite";
        case EventKind::tagmsg:
            return "tagmsg";
    }
    return "unknown";
}

Json event_record(const Event& e) {
    Json j = Json::object();
    j["type"] = "event";
    j["kind"] = kind_name(e.kind);
    if (e.id != 0) {
        j["id"] = e.id;
    }
    j["time"] = epoch_ms(e.time);
    if (e.room != nullptr) {
        j["room"] = e.room->name();
    }
    j["nick"] = e.nick;
    if (e.kind != EventKind::join) {  // a join's text is the joiner's real name: IRC's business
        // The new nickname and mode changes are names, not text with formatting.
        j["text"] =
            e.kind == EventKind::nick || e.kind == EventKind::mode ? e.text : plain_text(e.text);
    }
    if (!e.target.empty()) {
        j["target"] = e.target;
    }
    return j;
}

Json member_list(const Room& room, const Session& asking) {
    const bool member = room.has(asking);
    std::vector<const Member*> shown;
    shown.reserve(room.size());
    for (const Member& m : room.members()) {
        if (member || !m.session->front().invisible()) {
            shown.push_back(&m);
        }
    }
    // Compared in place, as the registry compares names: no folded copies.
    std::sort(shown.begin(), shown.end(), [](const Member* a, const Member* b) {
        return FoldedLess{}(a->session->nick(), b->session->nick());
    });
    Json list = Json::array();
    for (const Member* m : shown) {
        Json entry = {{"nick", m->session->nick()}};
        if (m->status & Member::op) {
            entry["op"] = true;
        }
        if (m->status & Member::voice) {
            entry["voice"] = true;
        }
        list.push_back(std::move(entry));
    }
    return list;
}

void set_ref(Json& answer, const std::string& ref) {
    if (!ref.empty()) {
        answer["ref"] = Json::parse(ref);
    }
}

std::string dump(const Json& j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Message text_frame(const Json& j) {
    return make_message(ws::frame(ws::Opcode::text, dump(j)));
}

}  // namespace parley::web
