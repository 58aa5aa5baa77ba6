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
    while (!queue_.empty() && out.size() < soft_limit) {
        out.append(*queue_.front());
        queue_.pop_front();
    }
    if (queue_.empty()) {
        // An idle session keeps no ring: most connections are idle most of the time, and
        // allocating eight slots again on the next wake-up costs far less than the send.
        queue_.clear();
    }
    return out.size() - before;
}

}  // namespace parley
