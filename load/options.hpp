#pragma once
// What a run is given: the server to load (Target), the scenario's figures (ScenarioOptions)
// and, for the self-test, publishers that are not connections of this client.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "load/protocol.hpp"

namespace parley::load {

struct Target {
    std::string label;  // how reports name it
    Protocol protocol = Protocol::parley;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int pid = 0;  // the server's process id when it is local: CPU and memory from /proc
    // Connections set up at once for this server; 0: --connect-concurrency. For a server that
    // cannot take more at once (ngIRCd's accept backlog is 10) without its clients waiting out
    // SYN retransmits, while the others of the run keep theirs.
    int connect_concurrency = 0;
};

struct ScenarioOptions {
    std::string scenario = "fanout";  // fanout chatty rooms idle churn slow
    int clients = 100;      // fanout/slow/churn: receivers; chatty: members; idle: connections
    int publishers = 2;     // fanout/slow/churn: publish-only clients
    int rooms = 10;         // rooms: how many
    int members = 10;       // rooms: members of each; idle: clients per room
    double rate = 100;      // messages per second per publisher
    std::size_t size = 64;  // payload bytes
    double warmup = 1;
    double duration = 5;
    double drain_timeout = 5;  // after publishing stops, how long deliveries may still arrive
    double connect_timeout = 30;
    int max_connections = 20000;
    // Loopback source addresses (127.0.0.1, .2, ...) the connections are spread over, round
    // robin; 0: one address, or blocks of 25,000 when a scenario needs more than one holds.
    int sources = 0;
    int connect_concurrency = 256;
    int slow = 5;            // slow: clients that never read
    double churn_rate = 50;  // churn: new connections per second
    int churn_messages = 2;  // churn: lines each sends before leaving
    bool sweep = false;
    double sweep_factor = 1.5;      // rate multiplier while climbing
    int sweep_fails = 3;            // failed steps in a row that end the climb
    double sweep_precision = 0.03;  // bisect until the pass/fail rates are this close
    int sweep_steps = 30;           // most steps in all, retries and bisection included
    double p99_limit_ms = 50;
    bool progress = false;
    int run_id = 0;        // makes room names unique per run on a shared server
    int server_core = -1;  // the CPU the server is pinned to, for its core's busy time
    int client_core = -1;  // the CPU this client is pinned to
};

// Publishers that are not connections of this client: the self-test blaster. The engine
// checks their messages like any other; sent(i) tells how many publisher i sent in all.
struct ExternalPublishers {
    int count = 0;
    std::function<std::uint64_t(int)> sent;
    std::function<void(bool)> set_publishing;  // the engine says when to publish
};

}  // namespace parley::load
