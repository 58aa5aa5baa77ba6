#include "server/session_scope.hpp"

#include <asio/this_coro.hpp>

namespace parley {

Task<bool> SessionScope::drained(std::chrono::steady_clock::duration timeout) {
    if (live_ == 0) {
        co_return true;
    }
    // The last ScopeToken cancels this wait; otherwise the deadline ends it.
    Timer timer(co_await asio::this_coro::executor, timeout);
    waiter_ = &timer;
    co_await timer.async_wait(use_task_tuple);
    waiter_ = nullptr;
    co_return live_ == 0;
}

}  // namespace parley
