#include "server/room_rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "server/room.hpp"
#include "server/session.hpp"
#include "shared/irc/mask.hpp"
#include "shared/names.hpp"

namespace parley {

bool banned(const Room& room, const Session& s) {
    if (room.bans().empty()) {
        return false;
    }
    const std::string who = s.source();
    return std::any_of(room.bans().begin(), room.bans().end(),
                       [&](const std::string& mask) { return irc::mask_match(mask, who); });
}

void use_invitation(Room& room, const Session& s) {
    auto& invited = room.invited();
    if (!invited.empty()) {
        std::erase(invited, fold_case(s.nick()));
    }
}

bool room_operator(const Room& room, const Session& s) {
    const Member* m = room.find(s);
    return m != nullptr && (m->status & Member::op) != 0;
}

std::optional<JoinRefusal> join_refusal(const Room& room, const Session& s, std::string_view key) {
    const RoomModes& modes = room.modes();
    const auto& invited = room.invited();
    const bool is_invited =
        std::find(invited.begin(), invited.end(), fold_case(s.nick())) != invited.end();
    if (banned(room, s) && !is_invited) {
        return JoinRefusal{474, fmt::format("Cannot join {}: you are banned (+b)", room.name())};
    }
    if (modes.invite_only && !is_invited) {
        return JoinRefusal{473, fmt::format("Cannot join {}: it is invite only (+i)", room.name())};
    }
    if (!modes.key.empty() && key != modes.key) {
        return JoinRefusal{475, fmt::format("Cannot join {}: wrong key (+k)", room.name())};
    }
    if (modes.limit != 0 && room.size() >= modes.limit) {
        return JoinRefusal{471, fmt::format("Cannot join {}: it is full (+l)", room.name())};
    }
    return std::nullopt;
}

std::optional<std::string> speech_refusal(const Room& room, const Session& s) {
    const Member* m = room.find(s);
    if (m == nullptr) {
        if (room.modes().no_outside) {
            return fmt::format("Cannot send to {}: you are not in it (+n)", room.name());
        }
        if (room.modes().moderated || banned(room, s)) {
            return fmt::format("Cannot send to {}", room.name());
        }
        return std::nullopt;
    }
    if (m->status != 0) {
        return std::nullopt;  // operators and voiced members always speak
    }
    if (room.modes().moderated) {
        return fmt::format("Cannot send to {}: it is moderated (+m)", room.name());
    }
    if (banned(room, s)) {
        return fmt::format("Cannot send to {}: you are banned (+b)", room.name());
    }
    return std::nullopt;
}

std::optional<std::string> topic_refusal(const Room& room, const Session& s) {
    if (!room.has(s)) {
        return fmt::format("You're not on {}", room.name());
    }
    if (room.modes().topic_ops && !room_operator(room, s)) {
        return fmt::format("You're not a channel operator of {}", room.name());
    }
    return std::nullopt;
}

}  // namespace parley
