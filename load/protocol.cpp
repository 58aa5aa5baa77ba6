#include "load/protocol.hpp"

#include <fmt/format.h>

#include "shared/wire.hpp"

namespace parley::load {

std::optional<Protocol> parse_protocol(std::string_view name) {
    if (name == "parley") {
        return Protocol::parley;
    }
    if (name == "redis") {
        return Protocol::redis;
    }
    if (name == "nats") {
        return Protocol::nats;
    }
    return std::nullopt;
}

std::string_view protocol_name(Protocol p) {
    switch (p) {
        case Protocol::parley:
            return "parley";
        case Protocol::redis:
            return "redis";
        case Protocol::nats:
            return "nats";
    }
    return "?";
}

namespace {

void append_resp(std::string& out, std::initializer_list<std::string_view> args) {
    fmt::format_to(std::back_inserter(out), "*{}\r\n", args.size());
    for (auto a : args) {
        fmt::format_to(std::back_inserter(out), "${}\r\n{}\r\n", a.size(), a);
    }
}

// echo:false keeps a NATS connection that both publishes and subscribes (chatty) from getting
// its own messages back, which Parley and Redis never send either.
constexpr std::string_view kNatsConnect =
    "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"parley-load\"}\r\n";

}  // namespace

void append_subscribe(Protocol p, std::string& out, std::string_view room) {
    switch (p) {
        case Protocol::parley:
            fmt::format_to(std::back_inserter(out), "/join #{}\n", room);
            break;
        case Protocol::redis:
            append_resp(out, {"SUBSCRIBE", room});
            break;
        case Protocol::nats:
            out += kNatsConnect;
            fmt::format_to(std::back_inserter(out), "SUB {} 1\r\nPING\r\n", room);
            break;
    }
}

void append_publisher_hello(Protocol p, std::string& out, std::string_view room) {
    switch (p) {
        case Protocol::parley:
            fmt::format_to(std::back_inserter(out), "/join #{}\n", room);
            break;
        case Protocol::redis:
            append_resp(out, {"PING"});
            break;
        case Protocol::nats:
            out += kNatsConnect;
            out += "PING\r\n";
            break;
    }
}

void append_publish(Protocol p, std::string& out, std::string_view room, std::size_t size,
                    const Payload& payload) {
    switch (p) {
        case Protocol::parley:
            append_payload(out, size, payload);
            out += '\n';
            break;
        case Protocol::redis:
            fmt::format_to(std::back_inserter(out), "*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n",
                           room.size(), room, size);
            append_payload(out, size, payload);
            out += "\r\n";
            break;
        case Protocol::nats:
            fmt::format_to(std::back_inserter(out), "PUB {} {}\r\n", room, size);
            append_payload(out, size, payload);
            out += "\r\n";
            break;
    }
}

void append_delivery(Protocol p, std::string& out, std::string_view room, std::string_view nick,
                     std::string_view payload) {
    switch (p) {
        case Protocol::parley:
            wire::append_room_message(out, fmt::format("#{}", room), nick, payload);
            break;
        case Protocol::redis:
            append_resp(out, {"message", room, payload});
            break;
        case Protocol::nats:
            fmt::format_to(std::back_inserter(out), "MSG {} 1 {}\r\n{}\r\n", room, payload.size(),
                           payload);
            break;
    }
}

}  // namespace parley::load

namespace parley::load {

std::string_view parley_welcome_nick(std::string_view line) {
    const wire::Line l = wire::parse(line);
    constexpr std::string_view kPrefix = "Your nickname is ";
    if (l.kind != wire::Kind::info || !l.text.starts_with(kPrefix)) {
        return {};
    }
    std::string_view rest = l.text.substr(kPrefix.size());
    const std::size_t dot = rest.find('.');
    return dot == std::string_view::npos ? rest : rest.substr(0, dot);
}

bool parley_is_join(std::string_view line, std::string_view nick, std::string_view room) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::notice) {
        return false;
    }
    std::string_view t = l.text;
    if (!t.starts_with(nick)) {
        return false;
    }
    t.remove_prefix(nick.size());
    constexpr std::string_view kJoined = " joined #";
    if (!t.starts_with(kJoined)) {
        return false;
    }
    t.remove_prefix(kJoined.size());
    return t == room;
}

bool parley_quit(std::string_view line, std::string_view& nick, std::string_view& reason) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::notice) {
        return false;
    }
    const std::size_t q = l.text.find(" quit (");
    if (q == std::string_view::npos || !l.text.ends_with(')')) {
        return false;
    }
    nick = l.text.substr(0, q);
    reason = l.text.substr(q + 7, l.text.size() - q - 8);
    return true;
}

std::string_view parley_error_code(std::string_view line) {
    const wire::Line l = wire::parse(line);
    return l.kind == wire::Kind::error ? l.code : std::string_view{};
}

long parley_room_members(std::string_view line) {
    const wire::Line l = wire::parse(line);
    if (l.kind != wire::Kind::info || !l.text.starts_with('#')) {
        return -1;
    }
    const std::size_t sp = l.text.find(' ');
    if (sp == std::string_view::npos) {
        return -1;
    }
    long n = -1;
    const char* b = l.text.data() + sp + 1;
    auto [ptr, ec] = std::from_chars(b, l.text.data() + l.text.size(), n);
    const std::string_view after(ptr,
                                 static_cast<std::size_t>(l.text.data() + l.text.size() - ptr));
    if (ec != std::errc() || !after.starts_with(" member")) {
        return -1;
    }
    return n;
}

}  // namespace parley::load
