#include "load/protocols/redis.hpp"

#include <initializer_list>
#include <iterator>

#include <fmt/format.h>

namespace parley::load {

namespace {

void append_resp(std::string& out, std::initializer_list<std::string_view> args) {
    fmt::format_to(std::back_inserter(out), "*{}\r\n", args.size());
    for (auto a : args) {
        fmt::format_to(std::back_inserter(out), "${}\r\n{}\r\n", a.size(), a);
    }
}

}  // namespace

void RedisProtocol::append_subscribe(std::string& out, std::string_view room, std::string_view) {
    append_resp(out, {"SUBSCRIBE", room});
}

// A publishing connection is ready when the server answered a PING, which it handles after
// everything sent before it.
void RedisProtocol::append_publisher_hello(std::string& out, std::string_view, std::string_view) {
    append_resp(out, {"PING"});
}

void RedisProtocol::append_publish(std::string& out, std::string_view room, std::size_t size,
                                   const Payload& payload) {
    fmt::format_to(std::back_inserter(out), "*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n",
                   room.size(), room, size);
    append_payload(out, size, payload);
    out += "\r\n";
}

void RedisProtocol::append_delivery(std::string& out, std::string_view room, std::string_view,
                                    std::string_view payload) {
    append_resp(out, {"message", room, payload});
}

void RedisProtocol::append_subscribed(std::string& out, std::string_view room, std::string_view) {
    fmt::format_to(std::back_inserter(out), "*3\r\n$9\r\nsubscribe\r\n${}\r\n{}\r\n:1\r\n",
                   room.size(), room);
}

}  // namespace parley::load
