#pragma once
// The acceptor coroutine: accepts connections on one endpoint and co_spawns a session coroutine
// for each.

#include "server/task.hpp"

namespace parley {

struct ServerState;

Task<void> listen(Acceptor& acceptor, ServerState& state);

}  // namespace parley
