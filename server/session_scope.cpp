#include "server/session_scope.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace parley {

asio::awaitable<bool> SessionScope::drained(std::chrono::steady_clock::duration timeout) {
    if (live_ == 0) {
        co_return true;
    }
    // The last ScopeToken cancels this wait; otherwise the deadline ends it.
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    waiter_ = &timer;
    co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    waiter_ = nullptr;
    co_return live_ == 0;
}

}  // namespace parley
