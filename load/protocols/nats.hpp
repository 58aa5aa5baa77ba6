#pragma once
// NATS as the load client speaks it: CONNECT with "echo":false, SUB and PUB, and
// "MSG subject sid [reply-to] #bytes\r\n<payload>\r\n" for deliveries. The server's PINGs
// must be answered or it disconnects the client.

#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"

namespace parley::load {

// The answer to a NATS PING.
inline constexpr std::string_view kNatsPong = "PONG\r\n";

struct NatsProtocol {
    static constexpr std::string_view name = "nats";
    // "echo":false keeps a client's own messages from coming back, as with Parley.
    static constexpr ProtocolTraits traits{false, true, false, false, 0};

    // `nick` is for protocols whose client names itself (IRC); unused here.
    static void append_subscribe(std::string& out, std::string_view room, std::string_view nick);
    static void append_publisher_hello(std::string& out, std::string_view room,
                                       std::string_view nick);
    static void append_publish(std::string& out, std::string_view room, std::size_t size,
                               const Payload& payload);
    static void append_delivery(std::string& out, std::string_view room, std::string_view nick,
                                std::string_view payload);
    // What a server answers a subscriber's hello with (the self-test's stand-in server).
    static void append_subscribed(std::string& out, std::string_view room, std::string_view nick);

    template <class Handler>
    static std::size_t parse(const char* data, std::size_t n, Handler& h) {
        const char* p = data;
        const char* end = data + n;
        while (p < end) {
            const char* lf = detail::find_lf(p, end);
            if (lf == nullptr) {
                break;
            }
            const std::string_view line =
                detail::strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
            if (line.size() > 4 && std::memcmp(line.data(), "MSG ", 4) == 0) {
                const std::size_t last_sp = line.rfind(' ');
                std::size_t len = 0;
                std::from_chars(line.data() + last_sp + 1, line.data() + line.size(), len);
                const char* body = lf + 1;
                if (static_cast<std::size_t>(end - body) < len + 2) {
                    break;  // wait for the payload
                }
                const std::size_t subj_end = line.find(' ', 4);
                h.payload(line.substr(4, subj_end - 4), std::string_view(body, len));
                p = body + len + 2;
                continue;
            }
            p = lf + 1;
            if (line == "PING") {
                h.control(Control::ping, line);
            } else if (line == "PONG") {
                h.control(Control::pong, line);
            } else if (line.starts_with("-ERR")) {
                h.control(Control::error, line);
            } else {
                h.control(Control::other, line);
            }
        }
        return static_cast<std::size_t>(p - data);
    }
};

}  // namespace parley::load
