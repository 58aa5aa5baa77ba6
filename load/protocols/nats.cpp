#include "load/protocols/nats.hpp"

#include <iterator>

#include <fmt/format.h>

namespace parley::load {

namespace {

// echo:false keeps a NATS connection that both publishes and subscribes (chatty) from getting
// its own messages back, which Parley never sends either.
constexpr std::string_view kNatsConnect =
    "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"parley-load\"}\r\n";

}  // namespace

// Ready on the PONG: NATS handles a connection's commands in order, so the SUB is in place.
void NatsProtocol::append_subscribe(std::string& out, std::string_view room, std::string_view) {
    out += kNatsConnect;
    fmt::format_to(std::back_inserter(out), "SUB {} 1\r\nPING\r\n", room);
}

void NatsProtocol::append_publisher_hello(std::string& out, std::string_view, std::string_view) {
    out += kNatsConnect;
    out += "PING\r\n";
}

void NatsProtocol::append_publish(std::string& out, std::string_view room, std::size_t size,
                                  const Payload& payload) {
    fmt::format_to(std::back_inserter(out), "PUB {} {}\r\n", room, size);
    append_payload(out, size, payload);
    out += "\r\n";
}

void NatsProtocol::append_delivery(std::string& out, std::string_view room, std::string_view,
                                   std::string_view payload) {
    fmt::format_to(std::back_inserter(out), "MSG {} 1 {}\r\n{}\r\n", room, payload.size(), payload);
}

void NatsProtocol::append_subscribed(std::string& out, std::string_view, std::string_view) {
    out += kNatsPong;
}

}  // namespace parley::load
