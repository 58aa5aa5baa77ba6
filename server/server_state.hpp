#pragma once
// The state every session shares: who is connected, the rooms, the connection counts and the
// scope of live sessions. It is owned by one executor and touched only from it, so nothing
// here needs a lock; a later multi-core design runs one ServerState per core (a shard).
//
// It must outlive the io_context's run(): sessions destroyed while the io_context winds down
// still unregister from it.

#include <array>
#include <string>

#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/session_scope.hpp"
#include "server/wake_queue.hpp"
#include "shared/rate_limiter.hpp"

namespace parley {

struct ServerState {
    explicit ServerState(const Config& c)
        : config(c),
          line_rate(c.rate, c.burst),
          strike_rate(c.strikes > 0 ? 1.0 : 0.0, c.strikes),
          rooms(c.history, c.announce_limit),
          limits(c.max_clients, c.max_per_address) {}

    const Config& config;
    // Every client's limits: lines per second, and refused lines (one forgiven per second).
    const TokenBucket::Rate line_rate;
    const TokenBucket::Rate strike_rate;
    Registry registry;
    RoomDirectory rooms;
    ConnectionLimits limits;
    SessionScope scope;
    bool closing = false;  // shutdown has begun: no new sessions, no quit notices

    // The writers woken in this turn of the event loop, and the buffer their batches are built
    // in (see WakeQueue).
    WakeQueue wakes;
    // The buffer every session reads into. A session uses it only within one step of its
    // reader, so an idle connection holds no read buffer of its own.
    std::array<char, 64 * 1024> read_buffer;
};

}  // namespace parley
