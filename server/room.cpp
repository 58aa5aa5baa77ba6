#include "server/room.hpp"

#include <algorithm>

#include "server/room_directory.hpp"
#include "server/session.hpp"
#include "server/store/history.hpp"

namespace parley {

void Room::set_topic(std::string topic, std::string setter) {
    topic_ = std::move(topic);
    topic_setter_ = std::move(setter);
    topic_time_ = std::chrono::system_clock::now();
    if (History* h = directory_.history()) {
        h->keep_topic(*this);
    }
}

void Room::restore(std::vector<EventPtr> earlier, std::string topic, std::string setter,
                   std::chrono::system_clock::time_point topic_time) {
    // Only what is older than the messages said since the room was created.
    if (!history_.empty()) {
        std::erase_if(earlier, [&](const EventPtr& e) { return e->id >= history_.front()->id; });
    }
    const std::size_t restored = earlier.size();
    history_.insert(history_.begin(), std::make_move_iterator(earlier.begin()),
                    std::make_move_iterator(earlier.end()));
    while (history_.size() > history_limit_) {
        history_.pop_front();
    }
    const bool topic_restored =
        topic_time_ == std::chrono::system_clock::time_point{} && !topic.empty();
    if (topic_restored) {
        topic_ = std::move(topic);
        topic_setter_ = std::move(setter);
        topic_time_ = topic_time;
    }
    if (restored == 0 && !topic_restored) {
        return;
    }
    for (const Member& member : members_) {
        member.session->front().restored(*this, std::min(restored, history_.size()),
                                         topic_restored);
    }
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
    if (History* h = directory_.history()) {
        h->keep(*e);
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
