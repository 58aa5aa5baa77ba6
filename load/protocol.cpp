#include "load/protocol.hpp"

namespace parley::load {

std::optional<Protocol> parse_protocol(std::string_view name) {
    for (Protocol p :
         {Protocol::parley, Protocol::redis, Protocol::nats, Protocol::irc, Protocol::websocket}) {
        if (protocol_name(p) == name) {
            return p;
        }
    }
    return std::nullopt;
}

std::string_view protocol_name(Protocol p) {
    return with_protocol(p, [](auto proto) { return decltype(proto)::name; });
}

ProtocolTraits protocol_traits(Protocol p) {
    return with_protocol(p, [](auto proto) { return decltype(proto)::traits; });
}

void append_subscribe(Protocol p, std::string& out, std::string_view room, std::string_view nick) {
    with_protocol(p, [&](auto proto) { proto.append_subscribe(out, room, nick); });
}

void append_publisher_hello(Protocol p, std::string& out, std::string_view room,
                            std::string_view nick) {
    with_protocol(p, [&](auto proto) { proto.append_publisher_hello(out, room, nick); });
}

void append_pong(Protocol p, std::string& out, std::string_view ping) {
    if (p == Protocol::irc) {
        IrcProtocol::append_pong(out, ping);
    } else if (p == Protocol::websocket) {
        WebSocketProtocol::append_pong(out, ping);
    } else {
        out += kNatsPong;  // the only other protocol whose server pings
    }
}

void append_publish(Protocol p, std::string& out, std::string_view room, std::size_t size,
                    const Payload& payload) {
    with_protocol(p, [&](auto proto) { proto.append_publish(out, room, size, payload); });
}

void append_delivery(Protocol p, std::string& out, std::string_view room, std::string_view nick,
                     std::string_view payload) {
    with_protocol(p, [&](auto proto) { proto.append_delivery(out, room, nick, payload); });
}

void append_subscribed(Protocol p, std::string& out, std::string_view room, std::string_view nick) {
    with_protocol(p, [&](auto proto) { proto.append_subscribed(out, room, nick); });
}

}  // namespace parley::load
