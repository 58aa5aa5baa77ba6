#include "server/memberships.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/room_directory.hpp"
#include "server/session.hpp"

namespace parley {

void Memberships::join(Room& room, std::uint8_t status) {
    if (first_ == nullptr) {
        first_ = &room;
    } else {
        more_.push_back(&room);
    }
    room.add(self_, status);
}

void Memberships::leave(Room& room, const Event& e) {
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
    room.emit(e);
    room.remove(self_);
    room.directory().close_if_empty(room);
}

void Memberships::tell_peers(const Event& e, bool include_self) const {
    if (more_.empty()) {  // common: one room, no de-duplication
        if (first_ != nullptr) {
            first_->emit(e, include_self ? nullptr : &self_);
        } else if (include_self) {
            self_.show(e);
        }
        return;
    }
    std::vector<Session*> peers;
    for_each_room([&](const Room& room) {
        for (const Member& m : room.members()) {
            peers.push_back(m.session);
        }
    });
    if (include_self) {
        peers.push_back(&self_);
    }
    std::sort(peers.begin(), peers.end());
    peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
    for (Session* s : peers) {
        if (include_self || s != &self_) {
            s->show(e);
        }
    }
}

// Part of every session's release, so nothing may escape it: the quit event needs memory (its
// strings, and a peer list when the session was in several rooms), and if that fails the peers
// miss one quit; leaving the rooms allocates nothing and always happens.
Memberships::~Memberships() {
    if (first_ != nullptr) {
        try {
            if (auto quit = self_.quit_event()) {
                tell_peers(*quit, false);
            }
        } catch (...) {
            spdlog::warn("{} left without a quit notice: out of memory", self_.nick());
        }
    }
    for_each_room([this](Room& room) {
        room.remove(self_);
        room.directory().close_if_empty(room);
    });
}

}  // namespace parley
