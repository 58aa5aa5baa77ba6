#include "server/wake_queue.hpp"

#include <asio/post.hpp>

#include "server/outbox.hpp"

namespace parley {

void WakeQueue::add(Outbox& outbox, const Executor& ex) {
    pending_.push_back(&outbox);
    if (!posted_) {
        posted_ = true;
        asio::post(ex, [this] { run(); });
    }
}

// An outbox here cannot have gone away: its writer is parked until this resumes it, and a
// session's scope waits for its writer to end.
void WakeQueue::run() {
    posted_ = false;
    running_.swap(pending_);  // outboxes woken while these run go to the next turn
    for (Outbox* outbox : running_) {
        outbox->resume();
    }
    running_.clear();
}

}  // namespace parley
