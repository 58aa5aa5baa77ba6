#pragma once
// Endpoints as operators write them: "127.0.0.1:7777", "[::1]:7777".

#include <asio/ip/tcp.hpp>
#include <string>

namespace parley {

// Parses HOST:PORT where HOST is an IP address (a server should not need a resolver to start).
// Throws std::runtime_error with a one-line reason.
asio::ip::tcp::endpoint parse_endpoint(const std::string& spec);

std::string describe(const asio::ip::tcp::endpoint& ep);

}  // namespace parley
