#pragma once
// Redis pub/sub (RESP) as the load client speaks it: SUBSCRIBE on one connection, PUBLISH on
// another (a subscribed connection cannot publish), and "message" pushes for deliveries.

#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "load/payload.hpp"
#include "load/protocols/stream.hpp"

namespace parley::load {

namespace detail {

// One RESP element at p: a bulk string, integer or simple string. Returns the position after
// it, or nullptr if incomplete. Sets ok=false on a malformed element.
inline const char* resp_element(const char* p, const char* end, std::string_view& out, bool& ok) {
    if (p >= end) {
        return nullptr;
    }
    const char* lf = find_lf(p, end);
    if (lf == nullptr) {
        return nullptr;
    }
    const std::string_view head =
        strip_cr(std::string_view(p + 1, static_cast<std::size_t>(lf - p - 1)));
    if (*p == '$') {
        long len = 0;
        auto [ptr, ec] = std::from_chars(head.data(), head.data() + head.size(), len);
        if (ec != std::errc() || len < -1) {
            ok = false;
            return lf + 1;
        }
        if (len == -1) {
            out = {};
            return lf + 1;
        }
        const char* data = lf + 1;
        if (end - data < len + 2) {
            return nullptr;
        }
        out = std::string_view(data, static_cast<std::size_t>(len));
        return data + len + 2;
    }
    if (*p == ':' || *p == '+') {
        out = head;
        return lf + 1;
    }
    ok = false;
    return lf + 1;
}

// "$<digits>\r\n" at p: the length and the position after it. nullptr when incomplete;
// `bad` when it is not that.
inline const char* resp_bulk_len(const char* p, const char* end, std::size_t& len, bool& bad) {
    if (p >= end) {
        return nullptr;
    }
    if (*p != '$') {
        bad = true;
        return nullptr;
    }
    std::size_t v = 0;
    for (const char* q = p + 1; q < end; ++q) {
        const char c = *q;
        if (c >= '0' && c <= '9') {
            v = v * 10 + static_cast<std::size_t>(c - '0');
            continue;
        }
        if (c != '\r' || q == p + 1) {
            bad = true;
            return nullptr;
        }
        if (q + 1 >= end) {
            return nullptr;
        }
        len = v;
        return q + 2;
    }
    return nullptr;
}

}  // namespace detail

struct RedisProtocol {
    static constexpr std::string_view name = "redis";
    // A client gets its own messages back, and needs a second connection to publish.
    static constexpr ProtocolTraits traits{true, false, false, false, 0};

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
        // Nearly everything a subscriber gets is a "message" push: that shape is parsed directly,
        // everything else (and anything odd) by the general path below.
        constexpr std::string_view kMessage = "*3\r\n$7\r\nmessage\r\n";
        while (p < end) {
            if (static_cast<std::size_t>(end - p) >= kMessage.size() &&
                std::memcmp(p, kMessage.data(), kMessage.size()) == 0) {
                bool bad = false;
                std::size_t clen = 0, plen = 0;
                const char* q = detail::resp_bulk_len(p + kMessage.size(), end, clen, bad);
                if (q != nullptr && static_cast<std::size_t>(end - q) < clen + 2) {
                    break;  // wait for the rest
                }
                const char* r =
                    q == nullptr ? nullptr : detail::resp_bulk_len(q + clen + 2, end, plen, bad);
                if (!bad) {
                    if (r == nullptr || static_cast<std::size_t>(end - r) < plen + 2) {
                        break;  // wait for the rest
                    }
                    h.payload(std::string_view(q, clen), std::string_view(r, plen));
                    p = r + plen + 2;
                    continue;
                }
            }
            const char* lf = detail::find_lf(p, end);
            if (lf == nullptr) {
                break;
            }
            const std::string_view head =
                detail::strip_cr(std::string_view(p, static_cast<std::size_t>(lf - p)));
            if (head.empty()) {
                p = lf + 1;
                continue;
            }
            if (head[0] != '*') {
                p = lf + 1;
                switch (head[0]) {
                    case '+':
                        h.control(head == "+PONG" ? Control::pong : Control::other, head);
                        break;
                    case '-':
                        h.control(Control::error, head);
                        break;
                    default:
                        h.control(Control::other, head);
                        break;
                }
                continue;
            }
            long count = 0;
            std::from_chars(head.data() + 1, head.data() + head.size(), count);
            std::string_view elems[3];
            const char* q = lf + 1;
            bool ok = true;
            bool complete = true;
            for (long i = 0; i < count; ++i) {
                std::string_view e;
                const char* next = detail::resp_element(q, end, e, ok);
                if (next == nullptr) {
                    complete = false;
                    break;
                }
                if (i < 3) {
                    elems[i] = e;
                }
                q = next;
            }
            if (!complete) {
                break;  // wait for the rest of this array
            }
            p = q;
            if (!ok) {
                h.control(Control::error, "malformed RESP");
            } else if (count == 3 && elems[0] == "message") {
                h.payload(elems[1], elems[2]);
            } else if (count >= 2 && elems[0] == "subscribe") {
                h.control(Control::subscribed, elems[1]);
            } else if (count >= 1 && elems[0] == "pong") {
                h.control(Control::pong, elems[0]);
            } else {
                h.control(Control::other, head);
            }
        }
        return static_cast<std::size_t>(p - data);
    }
};

}  // namespace parley::load
