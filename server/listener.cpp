#include "server/listener.hpp"

#include <spdlog/spdlog.h>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "server/server_state.hpp"
#include "server/session.hpp"

namespace parley {

asio::awaitable<void> listen(asio::ip::tcp::acceptor& acceptor, ServerState& state) {
    constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;  // shutdown closed the acceptor
        }
        if (ec) {
            // Out of descriptors or memory: say so and back off instead of spinning, so the
            // sessions already running keep the CPU.
            spdlog::error("accept failed: {}", ec.message());
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        admit(std::move(socket), state);
    }
}

}  // namespace parley
