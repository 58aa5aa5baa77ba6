#pragma once
// Who is where in a run: the rooms, the connections and the publishers, as a scenario lays
// them out before anything connects. No sockets here; the engine opens what is listed.

#include <cstdint>
#include <string>
#include <vector>

#include "load/connection.hpp"
#include "load/protocol.hpp"

namespace parley::load {

struct Room {
    std::string name;
    std::vector<int> pubs;       // publisher ids
    std::vector<int> receivers;  // connection indices of checked receivers
    int shared_pub_conn = -1;    // Redis rooms: the one connection every member publishes through
};

struct Pub {
    int conn = -1;  // -1: external (the self-test blaster)
    int room = 0;
    int local = 0;  // index in the room's pubs
    std::uint64_t sent = 0;
    std::uint64_t step_base = 0;  // sent when the step began: pacing counts from there
};

struct Layout {
    explicit Layout(Protocol p) : protocol(p) {}

    Protocol protocol;
    std::vector<Conn> conns;
    std::vector<Room> rooms;
    std::vector<Pub> pubs;

    // Whether a client receives its own messages back (Redis does; Parley does not, NATS not
    // with "echo":false).
    bool echo() const { return protocol_traits(protocol).echoes_own_messages; }

    int add_room(std::string name);
    int add_conn(int room, bool subscribes, bool receives);
    int add_pub(int room, int conn);
    // A client that publishes and receives in `room`; returns its receiving connection. A Redis
    // subscriber connection cannot PUBLISH (subscriber_can_publish), so there the client also needs
    // a connection to publish through. With `share_publisher` that connection is one per room,
    // shared by all its members: 1000 rooms of 10 then take 11,000 descriptors rather than 20,000.
    // Each member still has its own publisher id and sequence, so loss, duplicates and order are
    // checked per member as before.
    int add_talker(int room, bool share_publisher);
    // A client that only publishes; returns its connection. Parley has no such thing: it
    // joins, and gets (and drops) the room's other traffic.
    int add_publisher(int room);
    // Once everything is laid out: one sequence tracker per publisher of its room for every
    // receiver.
    void size_trackers();
};

}  // namespace parley::load
