#include "server/listener.hpp"

#include <spdlog/spdlog.h>
#include <asio/bind_allocator.hpp>
#include <asio/co_spawn.hpp>
#include <cerrno>
#include <exception>
#include <memory>

#include "server/accept_token.hpp"
#include "server/irc/irc_front_end.hpp"
#include "server/line_front_end.hpp"
#include "server/log_escaped.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"

namespace parley {

namespace {

// A session coroutine's completion: an exception that escaped it (while admitting, say) ended
// that one connection, and is logged. Stateless: every byte of a spawned coroutine's frame is
// paid per connection.
struct SessionEscaped {
    void operator()(std::exception_ptr e) const noexcept { LogEscaped{"session"}(e); }
};

}  // namespace

std::string_view ListenerKind::describe() const {
    if (protocol == Protocol::irc) {
        return tls ? "irc, tls" : "irc";
    }
    return tls ? "plain, tls" : "plain";
}

Task<void> listen(Acceptor& acceptor, ServerState& state, ListenerKind kind) {
    // Out of descriptors, the episode is logged once at its start and once at its end, not
    // once per pause.
    unsigned refused = 0;
    bool out_of_descriptors = false;
    for (;;) {
        // Whatever fails here (accept, or spawning the session: out of descriptors or memory)
        // costs at most the connection at hand: the acceptor says so, backs off instead of
        // spinning, so the sessions already running keep the CPU, and accepts again.
        try {
            Socket socket = co_await acceptor.async_accept(accept_token());
            if (out_of_descriptors) {
                out_of_descriptors = false;
                spdlog::warn("accepting again ({} connections refused while out of descriptors)",
                             refused);
                refused = 0;
            }
            if (kind.protocol == ListenerKind::Protocol::irc) {
                asio::co_spawn(acceptor.get_executor(),
                               serve<IrcFrontEnd>(std::move(socket), state, kind.tls),
                               SessionEscaped{});
            } else {
                asio::co_spawn(acceptor.get_executor(),
                               serve<LineFrontEnd>(std::move(socket), state, kind.tls),
                               SessionEscaped{});
            }
            continue;
        } catch (const std::system_error& e) {
            if (e.code() == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;  // shutdown closed the acceptor
            }
            if (e.code() == asio::error::no_descriptors ||
                e.code() == std::error_code(ENFILE, std::system_category())) {
                // Those waiting are told at once (their connection closes) instead of hanging
                // in the listen queue until descriptors free.
                if (!out_of_descriptors) {
                    spdlog::error(
                        "accept failed: {}; refusing new connections until "
                        "descriptors free",
                        e.what());
                }
                out_of_descriptors = true;
                refused += state.spare_descriptor.refuse_waiting(acceptor.native_handle());
            } else {
                spdlog::error("accept failed: {}", e.what());
            }
        } catch (const std::exception& e) {
            spdlog::error("accepting a connection failed: {}", e.what());
        }
        try {
            Timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(use_task_tuple);
        } catch (const std::exception&) {
            // Not even the pause could be had: accept again at once.
        }
    }
}

}  // namespace parley
