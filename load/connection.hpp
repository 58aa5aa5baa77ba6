#pragma once
// One connection of the load client: where it is in the layout, what it is for, and its
// socket's state. The engine drives it; scenarios only set what it is for.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "load/protocols/websocket.hpp"
#include "load/stats.hpp"

namespace parley::load {

enum class ConnState { idle, connecting, handshake, ready, closed };

struct Conn {
    int fd = -1;
    ConnState state = ConnState::idle;
    int room = 0;
    // The client's own publisher id (chatty/rooms): where the server sends no echo (Parley,
    // NATS) its own messages are not expected. An id, not a connection: a Redis room's members
    // all publish through one shared connection.
    int self_pub = -1;
    bool receives = false;    // a checked receiver: every delivery is verified and measured
    bool subscribes = false;  // sends the subscribe hello (else the publisher hello)
    // A client that is meant to behave: the server closing it fails the step. Slow clients
    // and probes are not (a slow one is expected to be evicted).
    bool healthy = true;
    // Comes and goes during the run (churn): never retried, not counted as connected, and its
    // closing is no disconnect.
    bool transient = false;
    bool paused = false;  // no longer reads (a slow client once stalled)
    bool watching_out = false;
    int attempts = 0;
    std::uint64_t t_connect = 0;
    std::uint64_t t_ready = 0;
    std::uint64_t unique = 0;  // distinct deliveries, all publishers
    std::string out;
    std::size_t out_off = 0;
    std::string carry;
    std::string nick;
    std::string last_error;
    std::string_view reason_prefix;    // put before its disconnect reasons ("slow client: ")
    std::vector<SeqTracker> trackers;  // indexed by the publisher's place in the room
    // WebSocket: the connection's key and frame reader, made when it connects (each attempt).
    std::unique_ptr<WebSocketClient> ws;
};

}  // namespace parley::load
