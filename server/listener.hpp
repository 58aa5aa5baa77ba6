#pragma once
// The acceptor coroutine: accepts connections on one endpoint and co_spawns a session coroutine
// for each, with the front end of the listener's protocol.

#include <string_view>

#include "server/protocol.hpp"
#include "server/task.hpp"

namespace parley {

struct ServerState;

// The prefix that makes a listener's endpoint a TLS one: tls://127.0.0.1:6697.
inline constexpr std::string_view tls_scheme = "tls://";

// What a listener speaks: Parley's plain lines or IRC, over TCP or TLS.
struct ListenerKind {
    using Protocol = parley::Protocol;
    Protocol protocol = Protocol::plain;
    bool tls = false;

    // "plain", "irc", "plain, tls", "irc, tls": for the log line operators and scripts read.
    std::string_view describe() const;
};

Task<void> listen(Acceptor& acceptor, ServerState& state, ListenerKind kind);

}  // namespace parley
