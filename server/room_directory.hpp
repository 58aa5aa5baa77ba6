#pragma once
// All rooms by name (unique ignoring ASCII case). #lobby always exists; any other room lives
// while it has members, so a flood of /join commands cannot grow memory past one room per
// client (a hundred per IRC or browser client), and --max-rooms bounds them all: each room
// keeps up to --history messages, so rooms are what a few clients could otherwise multiply.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/room.hpp"
#include "shared/folded.hpp"

namespace parley {

inline constexpr std::string_view lobby_name = "#lobby";

class History;

class RoomDirectory {
  public:
    RoomDirectory(std::size_t history_limit, std::size_t announce_limit);

    Room& lobby() { return *lobby_; }
    const Room& lobby() const { return *lobby_; }

    Room* find(std::string_view name);
    // The room called `name`, created if needed; `name` must be valid.
    Room& open(std::string_view name);
    // Removes `room` if it is empty and not the lobby. Never throws: leaving a room is part of
    // every session's release.
    void close_if_empty(Room& room) noexcept;

    // Whether a room called `name` may be created now: true if it exists already, or fewer
    // than --max-rooms rooms (#lobby included) exist. Callers ask before open() and refuse the
    // join with full_text() otherwise.
    bool can_open(std::string_view name) {
        return max_rooms_ == 0 || rooms_.size() < max_rooms_ || find(name) != nullptr;
    }
    std::size_t max_rooms() const { return max_rooms_; }
    // --max-rooms (SIGHUP too: rooms past a lower limit stay until they empty).
    void set_max_rooms(std::size_t n) { max_rooms_ = n; }
    std::size_t size() const { return rooms_.size(); }

    // A new --announce-limit (SIGHUP), for every room now and to come.
    void set_announce_limit(std::size_t limit);
    // The history store rooms keep their messages and topics in, if any; a room created
    // (again) asks it for what it had. Set before serving, cleared once serving has ended.
    History* history() const { return history_; }
    void set_history(History* h) { history_ = h; }

    // Rooms sorted by name, the lobby first.
    std::vector<const Room*> list() const;

  private:
    std::size_t history_limit_;
    std::size_t announce_limit_;
    // Keyed by the name as its creator spelled it; lookups ignore case without folding a copy.
    std::map<std::string, std::unique_ptr<Room>, FoldedLess> rooms_;
    Room* lobby_;
    History* history_ = nullptr;
    std::uint64_t next_serial_ = 0;
    std::size_t max_rooms_ = 0;
};

}  // namespace parley
