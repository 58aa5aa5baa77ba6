#pragma once
// Endpoints as operators write them: "127.0.0.1:7777", "[::1]:7777".

#include <fmt/format.h>
#include <asio/ip/tcp.hpp>
#include <string>

namespace parley {

// Parses HOST:PORT where HOST is an IP address (a server should not need a resolver to start).
// Throws std::runtime_error with a one-line reason.
asio::ip::tcp::endpoint parse_endpoint(const std::string& spec);

std::string describe(const asio::ip::tcp::endpoint& ep);

// An endpoint as a log argument, written as describe() writes it. The logger formats it inside
// its own guard, which catches what formatting throws: paths that must not throw (evicting a
// client, ending a session) can log it.
struct Described {
    const asio::ip::tcp::endpoint& ep;
};

}  // namespace parley

template <>
struct fmt::formatter<parley::Described> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(const parley::Described& d, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(parley::describe(d.ep), ctx);
    }
};

namespace parley {}  // namespace parley
