#pragma once
// Scoped guard: the rooms one session is in. Parley's clients are in one room at a time, but
// the model holds any number (an IRC front end needs that).
//
// When the session ends, for any reason, the destructor tells everybody who shared a room with
// it that it quit (once each, however many rooms they shared), then leaves every room. The
// destructor never throws: a quit notice that cannot be built is dropped, the leaving is not.

#include <string_view>
#include <vector>

#include "server/message.hpp"

namespace parley {

class Room;
class RoomDirectory;
class Session;

class Memberships {
  public:
    Memberships(Session& self, RoomDirectory& rooms) : self_(self), directory_(rooms) {}
    Memberships(const Memberships&) = delete;
    Memberships& operator=(const Memberships&) = delete;
    ~Memberships();

    // The room the session talks to: the one it joined last.
    Room* current() const { return rooms_.empty() ? nullptr : rooms_.back(); }
    const std::vector<Room*>& rooms() const { return rooms_; }

    void join(Room& room);
    // Tells the room (the session included) with `notice`, then leaves it; an emptied room
    // other than the lobby is removed.
    void leave(Room& room, const Message& notice);

    // Offers a presence notice once to every session sharing an announcing room with this one
    // (see Room::announces), and to this one if `include_self`.
    void tell_peers(const Message& m, bool include_self) const;

    // When set, the destructor leaves without telling anyone (server shutdown).
    void leave_silently() { silent_ = true; }

  private:
    Session& self_;
    RoomDirectory& directory_;
    std::vector<Room*> rooms_;
    bool silent_ = false;
};

}  // namespace parley
