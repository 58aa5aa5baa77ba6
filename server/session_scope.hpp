#pragma once
// An async scope over the live sessions: each session holds a ScopeToken for its whole life,
// and shutdown awaits the count reaching zero, with a deadline. So the process never exits
// while a session still owns a socket, and never hangs on one that does not finish.

#include <chrono>
#include <cstddef>

#include "server/task.hpp"

namespace parley {

class SessionScope {
  public:
    std::size_t live() const { return live_; }

    // Waits until no session is live or `timeout` has passed; true if none is live.
    Task<bool> drained(std::chrono::steady_clock::duration timeout);

  private:
    friend class ScopeToken;
    void leave() {
        if (--live_ == 0 && waiter_ != nullptr) {
            waiter_->cancel();
        }
    }
    std::size_t live_ = 0;
    // The timer of a pending drained(), living in that coroutine's frame: the scope itself
    // holds no I/O object, so it may outlive the io_context.
    Timer* waiter_ = nullptr;
};

// Scoped guard: one live session, held in the session coroutine's frame.
class ScopeToken {
  public:
    explicit ScopeToken(SessionScope& s) : scope_(s) { ++scope_.live_; }
    ScopeToken(const ScopeToken&) = delete;
    ScopeToken& operator=(const ScopeToken&) = delete;
    ~ScopeToken() { scope_.leave(); }

  private:
    SessionScope& scope_;
};

}  // namespace parley
