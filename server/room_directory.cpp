#include "server/room_directory.hpp"

#include "server/store/history.hpp"

namespace parley {

RoomDirectory::RoomDirectory(std::size_t history_limit, std::size_t announce_limit)
    : history_limit_(history_limit), announce_limit_(announce_limit) {
    lobby_ = &open(lobby_name);
}

Room* RoomDirectory::find(std::string_view name) {
    auto it = rooms_.find(name);
    return it == rooms_.end() ? nullptr : it->second.get();
}

Room& RoomDirectory::open(std::string_view name) {
    auto it = rooms_.find(name);
    if (it == rooms_.end()) {
        auto room = std::make_unique<Room>(*this, std::string(name), history_limit_,
                                           announce_limit_, ++next_serial_);
        it = rooms_.emplace(room->name(), std::move(room)).first;
        if (history_ != nullptr) {
            history_->restore(*it->second);
        }
    }
    return *it->second;
}

void RoomDirectory::close_if_empty(Room& room) noexcept {
    if (&room != lobby_ && room.empty()) {
        rooms_.erase(rooms_.find(room.name()));  // found first: the key dies with the room
    }
}

std::vector<const Room*> RoomDirectory::list() const {
    std::vector<const Room*> out{lobby_};
    for (const auto& [key, room] : rooms_) {
        if (room.get() != lobby_) {
            out.push_back(room.get());
        }
    }
    return out;
}

void RoomDirectory::set_announce_limit(std::size_t limit) {
    announce_limit_ = limit;
    for (auto& [name, room] : rooms_) {
        room->set_announce_limit(limit);
    }
}

}  // namespace parley
