#include "load/delivery_check.hpp"

#include <vector>

namespace parley::load {

bool DeliveryCheck::all_delivered() const {
    std::vector<std::uint64_t> room_sent(layout_.rooms.size(), 0);
    for (const auto& p : layout_.pubs) {
        room_sent[p.room] += p.sent;
    }
    for (const auto& room : layout_.rooms) {
        for (int idx : room.receivers) {
            const Conn& c = layout_.conns[idx];
            if (c.state != ConnState::ready) {
                continue;
            }
            std::uint64_t expect = room_sent[c.room];
            if (!echo_ && c.self_pub >= 0) {
                expect -= layout_.pubs[c.self_pub].sent;
            }
            if (c.unique < expect) {
                return false;
            }
        }
    }
    return true;
}

std::uint64_t DeliveryCheck::lost_total() const {
    std::uint64_t lost = 0;
    for (const auto& room : layout_.rooms) {
        for (int idx : room.receivers) {
            const Conn& c = layout_.conns[idx];
            if (c.state != ConnState::ready) {
                continue;
            }
            for (std::size_t i = 0; i < room.pubs.size(); ++i) {
                if (!echo_ && room.pubs[i] == c.self_pub) {
                    continue;
                }
                lost += c.trackers[i].lost(layout_.pubs[room.pubs[i]].sent);
            }
        }
    }
    return lost;
}

}  // namespace parley::load
