#pragma once
// The protocols the load client speaks, chosen at run time: Parley's text lines, Redis
// pub/sub (RESP), NATS, IRC and Parley's browser protocol (JSON over WebSocket). Each is one type
// in load/protocols/ with the same static members (its hellos, how it publishes, how a server
// delivers, its parser and its traits); this header picks one by the Protocol value. Adding a
// protocol is its file there, its enum value and its line in each switch below.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/irc.hpp"
#include "load/protocols/nats.hpp"
#include "load/protocols/parley.hpp"
#include "load/protocols/redis.hpp"
#include "load/protocols/stream.hpp"
#include "load/protocols/websocket.hpp"

namespace parley::load {

enum class Protocol { parley, redis, nats, irc, websocket };

// Calls f with the protocol's type (ParleyProtocol{}, RedisProtocol{}, NatsProtocol{},
// IrcProtocol{}, WebSocketProtocol{}).
template <class F>
decltype(auto) with_protocol(Protocol p, F&& f) {
    switch (p) {
        case Protocol::redis:
            return f(RedisProtocol{});
        case Protocol::nats:
            return f(NatsProtocol{});
        case Protocol::irc:
            return f(IrcProtocol{});
        case Protocol::websocket:
            return f(WebSocketProtocol{});
        case Protocol::parley:
            break;
    }
    return f(ParleyProtocol{});
}

std::optional<Protocol> parse_protocol(std::string_view name);
std::string_view protocol_name(Protocol p);
ProtocolTraits protocol_traits(Protocol p);

// Bytes a subscriber sends right after connecting to receive the room's messages. It is ready
// when the server confirms (Parley: its own join notice; Redis: the SUBSCRIBE reply; NATS:
// the PONG after SUB, since NATS handles a connection's commands in order; IRC: its own JOIN
// or the 366 after it, the JOIN itself sent once the server said 001; WebSocket: the upgrade
// request, then the `joined` of the room, the join sent once the server said 101). `nick` is the
// connection's nickname where the client picks it (traits.names_itself).
void append_subscribe(Protocol p, std::string& out, std::string_view room, std::string_view nick);

// Bytes a publish-only connection sends right after connecting; it is ready on the reply.
void append_publisher_hello(Protocol p, std::string& out, std::string_view room,
                            std::string_view nick);

// The answer to a server's PING (NATS: PONG; IRC: PONG with the PING's token; WebSocket: a
// pong frame with the ping's payload).
void append_pong(Protocol p, std::string& out, std::string_view ping);

// Appends one published message carrying `payload` (encoded to `size` bytes).
void append_publish(Protocol p, std::string& out, std::string_view room, std::size_t size,
                    const Payload& payload);

// The reverse of append_publish as a server would deliver it to a subscriber (used by the
// self-test blaster and the tests). `nick` is Parley's sender name.
void append_delivery(Protocol p, std::string& out, std::string_view room, std::string_view nick,
                     std::string_view payload);

// What a server answers a subscriber's hello with: the self-test blaster plays the server.
void append_subscribed(Protocol p, std::string& out, std::string_view room, std::string_view nick);

// Calls h.payload(room, payload) for every delivery and h.control(Control, text) for every
// other complete message in data[0..n); returns the bytes consumed. Room names are given
// without Parley's '#'. A switch rather than with_protocol: this is the receive hot path.
// WebSocket keeps state per connection (its frame reader): the engine calls
// WebSocketProtocol::parse with it instead.
template <class Handler>
std::size_t parse_stream(Protocol p, const char* data, std::size_t n, Handler& h) {
    switch (p) {
        case Protocol::parley:
            return ParleyProtocol::parse(data, n, h);
        case Protocol::redis:
            return RedisProtocol::parse(data, n, h);
        case Protocol::nats:
            return NatsProtocol::parse(data, n, h);
        case Protocol::irc:
            return IrcProtocol::parse(data, n, h);
        case Protocol::websocket:
            break;
    }
    return 0;
}

}  // namespace parley::load
