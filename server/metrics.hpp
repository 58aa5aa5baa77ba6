#pragma once
// The server's counters for /metrics: plain integers owned by the executor that runs the
// sessions, and read by the HTTP handler on that same executor, so the message path takes no
// lock and no atomic. (A later shard per core keeps one Metrics per shard; a scrape sums them.)
//
// Only what cannot be read off the state at scrape time is counted here: totals since the
// start. What exists now (connections, rooms, members, bytes queued in outboxes) is found by
// walking the state when /metrics is asked for, which costs the message path nothing.
// docs/operations.md lists every metric and what moves it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "server/protocol.hpp"

namespace parley {

// Why a connection was not made a session.
enum class Refusal : unsigned char {
    server_full,    // --max-clients
    address_limit,  // --max-per-address
    tls_handshake,  // the TLS handshake failed or timed out
    shutting_down,  // accepted while the server was stopping
    gone,           // closed or reset by the client before it could be served (no peer address)
    count
};

// Why a session ended, as a metric label; the first cause given stays (as the quit reason
// does).
enum class Ending : unsigned char {
    quit,                  // the client said so: /quit, QUIT, Ctrl-D, telnet's IP
    closed,                // the client closed the connection
    reset,                 // the connection was reset or broke
    error,                 // another socket or TLS error, or a server error
    idle,                  // --idle-timeout
    ping_timeout,          // an IRC client did not answer PING
    registration_timeout,  // an IRC client did not register in time
    flood,                 // an IRC client over --rate/--burst (Excess Flood)
    protocol,              // a browser broke WebSocket's framing (RFC 6455)
    strikes,               // too many refused lines (--strikes) or failed OPERs
    killed,                // an IRC operator's KILL
    evicted,               // too slow: its outbox passed --outbox-bytes
    linger,                // did not read its last lines within the quit linger
    shutdown,              // the server stopped
    count
};

std::string_view name(Refusal r);
std::string_view name(Ending e);

struct Metrics {
    struct PerProtocol {
        std::array<std::uint64_t, 2> accepted{};  // [tls]
        std::array<std::uint64_t, static_cast<std::size_t>(Refusal::count)> refused{};
        std::array<std::uint64_t, static_cast<std::size_t>(Ending::count)> ended{};
        std::uint64_t lines_received = 0;
        std::uint64_t messages = 0;  // said to a room (text, action, notice)
        std::uint64_t bytes_received = 0;
        std::uint64_t bytes_sent = 0;
        std::uint64_t evictions = 0;
        // Lines answered with an error, by the error's code ("bad-utf8", "417", "INVALID_UTF8").
        // A map: codes are few, fixed in the code, and counted off the message path.
        std::map<std::string, std::uint64_t, std::less<>> refused_lines;
    };

    PerProtocol& of(Protocol p) { return protocols[static_cast<std::size_t>(p)]; }
    const PerProtocol& of(Protocol p) const { return protocols[static_cast<std::size_t>(p)]; }

    void refused(Protocol p, Refusal r) { ++of(p).refused[static_cast<std::size_t>(r)]; }
    void ended(Protocol p, Ending e) { ++of(p).ended[static_cast<std::size_t>(e)]; }
    void refused_line(Protocol p, std::string_view code);

    std::array<PerProtocol, protocol_count> protocols;
    // Deliveries (messages queued in outboxes) are counted by the outboxes themselves, in
    // WakeQueue::queued(): offer() is where they happen, and already out of line.
    // The HTTP listener's own: requests answered, by status.
    std::map<unsigned, std::uint64_t> http_responses;
    std::uint64_t http_connections = 0;
};

}  // namespace parley
