#include "server/memberships.hpp"

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

Memberships::~Memberships() {
    if (!silent_ && !rooms_.empty()) {
        tell_peers(self_.quit_notice(), false);
    }
    for (Room* room : rooms_) {
        room->remove(self_);
        directory_.close_if_empty(*room);
    }
}

}  // namespace parley
