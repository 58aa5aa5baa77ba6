#include "server/room.hpp"

#include <algorithm>

#include "server/session.hpp"

namespace parley {

void Room::remove(const Session& s) {
    auto it = std::find(members_.begin(), members_.end(), &s);
    if (it != members_.end()) {
        members_.erase(it);
    }
}

void Room::broadcast(const Message& m, const Session* except) const {
    for (Session* member : members_) {
        if (member != except) {
            member->deliver(m);
        }
    }
}

void Room::announce(const Message& m, Session& subject) const {
    if (announces()) {
        broadcast(m);
    } else {
        subject.deliver(m);
    }
}

void Room::say(const Message& m, const Session& sender) {
    broadcast(m, &sender);
    if (history_limit_ == 0) {
        return;
    }
    if (history_.size() == history_limit_) {
        history_.pop_front();
    }
    history_.push_back(m);
}

}  // namespace parley
