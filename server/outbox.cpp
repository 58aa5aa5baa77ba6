#include "server/outbox.hpp"

#include <algorithm>
namespace parley {

Outbox::~Outbox() {
    drop_queue();
    copy_released();
    budget().caught_up(*this);
}

OutboxBudget& Outbox::budget() const {
    return wakes_.budget();
}

bool Outbox::offer(const Message& m) {
    if (state_ != State::open) {
        return true;
    }
    if (max_bytes_ != 0 && unread_ + m->size() > max_bytes_) {
        return false;
    }
    const std::size_t capacity = queue_.capacity();
    queue_.push_back(m);
    OutboxBudget& b = budget();
    b.hold(*m);
    storage_changed(capacity);
    unread_ += m->size();
    wakes_.count_queued();
    wake();
    if (b.over()) {
        b.shed();  // may evict this very client: the message was queued all the same
    }
    return true;
}

void Outbox::finish() {
    if (state_ == State::open) {
        state_ = State::finishing;
        wake();
    }
}

void Outbox::close() {
    state_ = State::closed;
    drop_queue();  // nothing more is written: the messages' memory goes now
    copy_released();
    budget().caught_up(*this);
    wake();
}

void Outbox::drop_queue() {
    OutboxBudget& b = budget();
    while (!queue_.empty()) {
        b.release(*queue_.front());
        queue_.pop_front();  // never frees the ring while messages remain
    }
    const std::size_t capacity = queue_.capacity();
    queue_.clear();
    storage_changed(capacity);
}

void Outbox::storage_changed(std::size_t capacity_before) {
    const std::size_t now = queue_.capacity();
    if (now > capacity_before) {
        budget().add((now - capacity_before) * sizeof(Message));
    } else if (now < capacity_before) {
        budget().take((capacity_before - now) * sizeof(Message));
    }
}

void Outbox::copy_held(std::size_t bytes) {
    copy_released();
    if (state_ == State::closed) {
        return;  // the writer ends with this turn
    }
    copy_ = static_cast<std::uint32_t>(std::min<std::size_t>(bytes, UINT32_MAX));
    OutboxBudget& b = budget();
    // The socket did not take everything: this client is behind, one the budget may evict,
    // until it has read everything.
    b.fell_behind(*this);
    b.add(copy_);
    if (b.over()) {
        b.shed();
    }
}

void Outbox::copy_released() {
    budget().take(copy_);
    copy_ = 0;
}

void Outbox::park(Waiter writer) {
    waiter_.emplace(std::move(writer));
    if (!queue_.empty() || state_ != State::open) {
        wake();
    }
}

// The writer is not resumed inline: the sender goes on (a room offering one message to all
// its members, a read handling a dozen lines), and everything it queues by the end of the
// current handler reaches the writer as one batch.
void Outbox::wake() {
    if (!waiter_ || wake_posted_) {
        return;
    }
    wake_posted_ = true;
    wakes_.add(*this, waiter_->get_executor());
}

void Outbox::resume() {
    wake_posted_ = false;
    Waiter writer = std::move(*waiter_);
    waiter_.reset();
    std::move(writer)(take_batch());
}

Batch Outbox::take_batch() {
    std::string& out = wakes_.batch_buffer();
    out.clear();
    if (state_ != State::closed) {
        take(out, batch_limit);
    }
    return Batch{out};
}

std::size_t Outbox::take(std::string& out, std::size_t soft_limit) {
    const std::size_t before = out.size();
    const std::size_t capacity = queue_.capacity();
    OutboxBudget& b = budget();
    std::size_t messages = 0;
    while (!queue_.empty() && out.size() < soft_limit) {
        out.append(*queue_.front());
        b.release(*queue_.front());
        queue_.pop_front();
        ++messages;
    }
    // A quiet session keeps no ring: most connections are idle most of the time, and a few
    // messages per wake-up are cheap to queue in a fresh one. A busy one (a batch that needed
    // the ring to grow) keeps its storage, so it does not allocate and grow again on every
    // wake-up; RingQueue itself lets go of rings past its keep_capacity. A take that found
    // nothing (the writer asking for more after a batch) is no sign of a quiet session.
    if (messages > 0 && queue_.empty() && messages <= RingQueue<Message>::first_capacity) {
        queue_.clear();
    }
    storage_changed(capacity);
    return out.size() - before;
}

}  // namespace parley
