#include "server/outbox_budget.hpp"

#include "server/outbox.hpp"

namespace parley {

void OutboxBudget::fell_behind(Outbox& outbox) {
    if (outbox.behind_slot_ != not_behind) {
        return;
    }
    // Without memory for the list, this client is not one the budget can evict; its own
    // --outbox-bytes still bounds it, and the message path does not fail for it.
    try {
        behind_.push_back(&outbox);
    } catch (...) {
        return;
    }
    outbox.behind_slot_ = static_cast<std::uint32_t>(behind_.size() - 1);
}

void OutboxBudget::caught_up(Outbox& outbox) {
    const std::uint32_t slot = outbox.behind_slot_;
    if (slot == not_behind) {
        return;
    }
    Outbox* last = behind_.back();
    behind_[slot] = last;
    last->behind_slot_ = slot;
    behind_.pop_back();
    outbox.behind_slot_ = not_behind;
}

void OutboxBudget::shed() noexcept {
    while (over() && !behind_.empty()) {
        Outbox* furthest = behind_.front();
        for (Outbox* o : behind_) {
            if (o->unread_bytes() > furthest->unread_bytes()) {
                furthest = o;
            }
        }
        ++evictions_;
        if (evict_ != nullptr && furthest->owner() != nullptr) {
            evict_(furthest->owner());  // closes the outbox, which leaves behind_
        }
        // Whatever the owner did, this outbox is not chosen again: the loop ends.
        furthest->close();
        caught_up(*furthest);
    }
}

}  // namespace parley
