#pragma once
// Scoped guard: the rooms one session is in. Parley's clients are in one room at a time, but
// the model holds any number (an IRC front end needs that).
//
// When the session ends, for any reason, the destructor tells everybody who shared a room with
// it that it quit (once each, however many rooms they shared; nobody while the server shuts
// down), then leaves every room. The destructor never throws: a quit notice that cannot be
// built is dropped, the leaving is not.
//
// Held in every session coroutine's frame, so it keeps no more than it needs: the session, and
// the rooms (each room knows its directory).

#include <string_view>
#include <vector>

#include "server/message.hpp"

namespace parley {

class Room;
class Session;

class Memberships {
  public:
    explicit Memberships(Session& self) : self_(self) {}
    Memberships(const Memberships&) = delete;
    Memberships& operator=(const Memberships&) = delete;
    ~Memberships();

    // The room the session talks to: the one it joined last.
    Room* current() const { return more_.empty() ? first_ : more_.back(); }

    void join(Room& room);
    // Tells the room (the session included) with `notice`, then leaves it; an emptied room
    // other than the lobby is removed.
    void leave(Room& room, const Message& notice);

    // Offers a presence notice once to every session sharing an announcing room with this one
    // (see Room::announces), and to this one if `include_self`.
    void tell_peers(const Message& m, bool include_self) const;

  private:
    template <class F>
    void for_each_room(F&& f) const {
        if (first_ != nullptr) {
            f(first_);
        }
        for (Room* room : more_) {
            f(room);
        }
    }

    Session& self_;
    // The rooms in joining order. Nearly every session is in exactly one room, held here
    // without an allocation; a second room (an IRC client in several channels) goes to more_.
    Room* first_ = nullptr;
    std::vector<Room*> more_;
};

}  // namespace parley
