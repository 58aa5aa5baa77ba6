#include "server/memberships.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/room_directory.hpp"
#include "server/session.hpp"

namespace parley {

void Memberships::join(Room& room) {
    if (first_ == nullptr && more_.empty()) {
        first_ = &room;
    } else {
        more_.push_back(&room);
    }
    room.add(self_);
}

void Memberships::leave(Room& room, const Message& notice) {
    if (first_ == &room) {
        first_ = nullptr;
        if (!more_.empty()) {
            first_ = more_.front();
            more_.erase(more_.begin());
        }
    } else {
        auto it = std::find(more_.begin(), more_.end(), &room);
        if (it == more_.end()) {
            return;
        }
        more_.erase(it);
    }
    room.announce(notice, self_);
    room.remove(self_);
    room.directory().close_if_empty(room);
}

void Memberships::tell_peers(const Message& m, bool include_self) const {
    if (more_.empty()) {  // common: one room, no de-duplication
        if (first_ != nullptr && first_->announces()) {
            first_->broadcast(m, include_self ? nullptr : &self_);
        } else if (include_self) {
            self_.deliver(m);
        }
        return;
    }
    std::vector<Session*> peers;
    for_each_room([&](const Room* room) {
        if (room->announces()) {
            peers.insert(peers.end(), room->members().begin(), room->members().end());
        }
    });
    if (include_self) {
        peers.push_back(&self_);
    }
    std::sort(peers.begin(), peers.end());
    peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
    for (Session* s : peers) {
        if (include_self || s != &self_) {
            s->deliver(m);
        }
    }
}

// Part of every session's release, so nothing may escape it: the quit notice needs memory (the
// line, and a peer list when the session was in several rooms), and if that fails the peers
// miss one notice; leaving the rooms allocates nothing and always happens.
Memberships::~Memberships() {
    if (current() != nullptr) {
        try {
            if (const Message notice = self_.quit_notice()) {
                tell_peers(notice, false);
            }
        } catch (...) {
            spdlog::warn("{} left without a quit notice: out of memory", self_.nick());
        }
    }
    for_each_room([this](Room* room) {
        room->remove(self_);
        room->directory().close_if_empty(*room);
    });
}

}  // namespace parley
