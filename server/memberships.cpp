#include "server/memberships.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/room_directory.hpp"
#include "server/session.hpp"

namespace parley {

void Memberships::join(Room& room) {
    room.add(self_);
    rooms_.push_back(&room);
}

void Memberships::leave(Room& room, const Message& notice) {
    auto it = std::find(rooms_.begin(), rooms_.end(), &room);
    if (it == rooms_.end()) {
        return;
    }
    room.announce(notice, self_);
    room.remove(self_);
    rooms_.erase(it);
    directory_.close_if_empty(room);
}

void Memberships::tell_peers(const Message& m, bool include_self) const {
    if (rooms_.size() == 1 && rooms_.front()->announces()) {  // common: no de-duplication
        rooms_.front()->broadcast(m, include_self ? nullptr : &self_);
        return;
    }
    std::vector<Session*> peers;
    for (const Room* room : rooms_) {
        if (room->announces()) {
            peers.insert(peers.end(), room->members().begin(), room->members().end());
        }
    }
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
    if (!silent_ && !rooms_.empty()) {
        try {
            tell_peers(self_.quit_notice(), false);
        } catch (...) {
            spdlog::warn("{} left without a quit notice: out of memory", self_.nick());
        }
    }
    for (Room* room : rooms_) {
        room->remove(self_);
        directory_.close_if_empty(*room);
    }
}

}  // namespace parley
