#include "load/layout.hpp"

#include <utility>

namespace parley::load {

int Layout::add_room(std::string name) {
    rooms.push_back(Room{std::move(name), {}, {}});
    return static_cast<int>(rooms.size()) - 1;
}

int Layout::add_conn(int room, bool subscribes, bool receives) {
    Conn c;
    c.room = room;
    c.subscribes = subscribes;
    c.receives = receives;
    conns.push_back(std::move(c));
    const int idx = static_cast<int>(conns.size()) - 1;
    if (receives) {
        rooms[room].receivers.push_back(idx);
    }
    return idx;
}

int Layout::add_pub(int room, int conn) {
    Pub p;
    p.conn = conn;
    p.room = room;
    p.local = static_cast<int>(rooms[room].pubs.size());
    pubs.push_back(p);
    const int id = static_cast<int>(pubs.size()) - 1;
    rooms[room].pubs.push_back(id);
    return id;
}

int Layout::add_talker(int room, bool share_publisher) {
    if (!protocol_traits(protocol).subscriber_can_publish) {
        const int sub = add_conn(room, true, true);
        int pc = share_publisher ? rooms[room].shared_pub_conn : -1;
        if (pc < 0) {
            pc = add_conn(room, false, false);
            if (share_publisher) {
                rooms[room].shared_pub_conn = pc;
            }
        }
        conns[sub].self_pub = add_pub(room, pc);
        return sub;
    }
    const int c = add_conn(room, true, true);
    conns[c].self_pub = add_pub(room, c);
    return c;
}

int Layout::add_publisher(int room) {
    const int c = add_conn(room, protocol_traits(protocol).publisher_subscribes, false);
    add_pub(room, c);
    return c;
}

void Layout::size_trackers() {
    for (auto& c : conns) {
        if (c.receives) {
            c.trackers.resize(rooms[c.room].pubs.size());
        }
    }
}

}  // namespace parley::load
