#include "server/outbox.hpp"

namespace parley {

bool Outbox::offer(const Message& m) {
    if (finished_) {
        return true;
    }
    if (max_bytes_ != 0 && unread_ + m->size() > max_bytes_) {
        return false;
    }
    queue_.push_back(m);
    unread_ += m->size();
    return true;
}

std::size_t Outbox::take(std::string& out, std::size_t soft_limit) {
    const std::size_t before = out.size();
    std::size_t messages = 0;
    while (!queue_.empty() && out.size() < soft_limit) {
        out.append(*queue_.front());
        queue_.pop_front();
        ++messages;
    }
    // A quiet session keeps no ring: most connections are idle most of the time, and a few
    // messages per wake-up are cheap to queue in a fresh one. A busy one (a batch that needed
    // the ring to grow) keeps its storage, so it does not allocate and grow again on every
    // wake-up; RingQueue itself lets go of rings past its keep_capacity.
    if (queue_.empty() && messages <= RingQueue<Message>::first_capacity) {
        queue_.clear();
    }
    return out.size() - before;
}

}  // namespace parley
