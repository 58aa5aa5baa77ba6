#include "server/listener.hpp"

#include <spdlog/spdlog.h>
#include <asio/co_spawn.hpp>
#include <exception>

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

Task<void> listen(Acceptor& acceptor, ServerState& state) {
    for (;;) {
        // Whatever fails here (accept, or spawning the session: out of descriptors or memory)
        // costs at most the connection at hand: the acceptor says so, backs off instead of
        // spinning, so the sessions already running keep the CPU, and accepts again.
        try {
            auto [ec, socket] = co_await acceptor.async_accept(use_task_tuple);
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;  // shutdown closed the acceptor
            }
            if (!ec) {
                asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), state),
                               SessionEscaped{});
                continue;
            }
            spdlog::error("accept failed: {}", ec.message());
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
