#pragma once
// The acceptor coroutine: accepts connections on one endpoint and spawns a session for each.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace parley {

struct ServerState;

asio::awaitable<void> listen(asio::ip::tcp::acceptor& acceptor, ServerState& state);

}  // namespace parley
