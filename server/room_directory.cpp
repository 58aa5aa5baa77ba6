#include "server/room_directory.hpp"

#include "shared/names.hpp"

namespace parley {

RoomDirectory::RoomDirectory(std::size_t history_limit, std::size_t announce_limit)
    : history_limit_(history_limit), announce_limit_(announce_limit) {
    lobby_ = &open(lobby_name);
}

Room* RoomDirectory::find(std::string_view name) {
    auto it = rooms_.find(fold_case(name));
    return it == rooms_.end() ? nullptr : it->second.get();
}

Room& RoomDirectory::open(std::string_view name) {
    auto [it, inserted] = rooms_.try_emplace(fold_case(name));
    if (inserted) {
        it->second = std::make_unique<Room>(std::string(name), history_limit_, announce_limit_);
    }
    return *it->second;
}

void RoomDirectory::close_if_empty(Room& room) {
    if (&room != lobby_ && room.empty()) {
        rooms_.erase(fold_case(room.name()));
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

}  // namespace parley
