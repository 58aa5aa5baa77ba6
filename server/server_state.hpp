#pragma once
// The state every session shares: who is connected, the rooms, the connection counts and the
// scope of live sessions. It is owned by one executor and touched only from it, so nothing
// here needs a lock; a later multi-core design runs one ServerState per core (a shard).
//
// It must outlive the io_context's run(): sessions destroyed while the io_context winds down
// still unregister from it.

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/descriptor_reserve.hpp"
#include "server/metrics.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/session_scope.hpp"
#include "server/wake_queue.hpp"
#include "server/whowas.hpp"
#include "shared/rate_limiter.hpp"

namespace parley {

class TlsContext;

struct ServerState {
    explicit ServerState(const Config& c)
        : config(c),
          line_rate(c.rate, c.burst),
          strike_rate(c.strikes > 0 ? 1.0 : 0.0, c.strikes),
          rooms(c.history, c.announce_limit),
          limits(c.max_clients, c.max_per_address, c.ipv6_prefix) {
        wakes.budget().set_limit(c.outbox_total);
        rooms.set_max_rooms(c.max_rooms);
    }

    // The config; SIGHUP changes what can change live in it (see Server::Impl::reload).
    const Config& config;
    // Every client's limits: lines per second, and refused lines (one forgiven per second).
    // Replaced on SIGHUP: each client's bucket takes the rate in force at every line.
    TokenBucket::Rate line_rate;
    TokenBucket::Rate strike_rate;
    Registry registry;
    RoomDirectory rooms;
    ConnectionLimits limits;
    SessionScope scope;
    bool closing = false;  // shutdown has begun: no new sessions, no quit notices
    // The certificate and key of tls:// listeners (null without them); replaced on SIGHUP,
    // while live connections keep the one they began with.
    std::shared_ptr<TlsContext> tls;
    // Nicknames given up, for IRC's WHOWAS.
    WhoWas whowas;
    const std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
    std::uint64_t last_message_id = 0;  // Event::id of the last message
    std::size_t most_clients = 0;       // the most registered at once, for LUSERS
    // IRC clients connected but not registered, invisible (+i), and operators (+o), kept as
    // counts so that LUSERS, sent to every client that registers, costs no walk of everybody.
    std::size_t irc_unregistered = 0;
    std::size_t irc_invisible = 0;
    std::size_t irc_opers = 0;
    // The spare descriptor acceptors use to refuse connections when the process has no other
    // (see DescriptorReserve).
    DescriptorReserve spare_descriptor;
    // Totals since the start, for /metrics (see Metrics).
    Metrics metrics;

    // The writers woken in this turn of the event loop, and the buffer their batches are built
    // in (see WakeQueue).
    WakeQueue wakes;
    // The buffer every session reads into. A session uses it only within one step of its
    // reader, so an idle connection holds no read buffer of its own.
    std::array<char, 64 * 1024> read_buffer;
};

}  // namespace parley
