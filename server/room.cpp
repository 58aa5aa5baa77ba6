#include "server/room.hpp"

#include <algorithm>

#include "server/session.hpp"

namespace parley {

void Room::set_topic(std::string topic, std::string setter) {
    topic_ = std::move(topic);
    topic_setter_ = std::move(setter);
    topic_time_ = std::chrono::system_clock::now();
}

Member* Room::find(const Session& s) {
    auto it = std::find_if(members_.begin(), members_.end(),
                           [&](const Member& m) { return m.session == &s; });
    return it == members_.end() ? nullptr : &*it;
}

const Member* Room::find(const Session& s) const {
    return const_cast<Room*>(this)->find(s);
}

void Room::remove(const Session& s) {
    auto it = std::find_if(members_.begin(), members_.end(),
                           [&](const Member& m) { return m.session == &s; });
    if (it != members_.end()) {
        members_.erase(it);
    }
}

void Room::emit(const Event& e, const Session* except) const {
    for (const Member& member : members_) {
        if (member.session != except) {
            member.session->show(e);
        }
    }
}

void Room::say(EventPtr e, const Session& sender) {
    for (const Member& member : members_) {
        if (member.session != &sender) {
            member.session->show_message(*e);
        }
    }
    if (history_limit_ == 0) {
        return;
    }
    if (history_.size() == history_limit_) {
        history_.pop_front();
    }
    history_.push_back(std::move(e));
}

}  // namespace parley
