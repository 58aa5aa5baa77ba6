#pragma once
// Scoped guard: the rooms one session is in. A plain client is in one room at a time; an IRC
// client in as many channels as it joins.
//
// When the session ends, for any reason, the destructor tells everybody who shared a room with
// it that it quit (once each, however many rooms they shared; nobody while the server shuts
// down), then leaves every room. The destructor never throws: a quit event that cannot be
// built is dropped, the leaving is not.
//
// Held in every session coroutine's frame, so it keeps no more than it needs: the session, and
// the rooms (each room knows its directory).

#include <cstdint>
#include <vector>

#include "server/event.hpp"

namespace parley {

class Room;
class Session;

class Memberships {
  public:
    explicit Memberships(Session& self) : self_(self) {}
    Memberships(const Memberships&) = delete;
    Memberships& operator=(const Memberships&) = delete;
    ~Memberships();

    // The room a plain client talks to: the one it joined last.
    Room* current() const { return more_.empty() ? first_ : more_.back(); }
    bool empty() const { return first_ == nullptr; }
    std::size_t count() const { return first_ == nullptr ? 0 : 1 + more_.size(); }

    // Joins `room` with `status` (Member::op for the first member of a new room).
    void join(Room& room, std::uint8_t status);
    // Emits `e` (a part or a kick) to the room, the session included, then leaves it; an
    // emptied room other than the lobby is removed. Nothing happens if the session is not in it.
    void leave(Room& room, const Event& e);

    // Emits `e` once to every session sharing a room with this one, and to this one if
    // `include_self` (quits, nick changes, away changes).
    void tell_peers(const Event& e, bool include_self) const;

    template <class F>
    void for_each_room(F&& f) const {
        if (first_ != nullptr) {
            f(*first_);
        }
        for (Room* room : more_) {
            f(*room);
        }
    }

  private:
    Session& self_;
    // The rooms in joining order. Nearly every session is in exactly one room, held here
    // without an allocation; more rooms (an IRC client in several channels) go to more_.
    Room* first_ = nullptr;
    std::vector<Room*> more_;
};

}  // namespace parley
