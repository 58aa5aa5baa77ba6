#pragma once
// The outbox budget: one bound on the memory every outbox of the server holds together
// (--outbox-total), whatever clients do.
//
// --outbox-bytes bounds one client's backlog, but ten thousand clients that never read could
// each hold just under it. The budget counts the memory actually held for all of them:
// - each queued message once, however many outboxes share it (MessageBytes::outboxes counts
//   the holders: the first adds its cost, the last takes it away);
// - each outbox's ring storage (its slots, not only the used ones);
// - each writer's private copy of a batch the socket did not take whole (Session::write_rest).
// Past the budget, the clients furthest behind (the most unread bytes) are evicted first, as
// slow consumers are, until the total is within the budget again. Their ends free their own
// messages and copies at once; what they shared with others stays, so eviction goes on to the
// next furthest behind.
//
// Behind means the kernel did not take everything the writer had (its socket's send buffer is
// full) and the client has not read it all since. A client that merely has a turn's worth of
// replies queued, not yet written because its writer runs at the end of the turn (a client
// that sends 32 commands at once, say), is not behind and never evicted for it, however much
// that is; while only such clients hold memory, the budget may be passed within the turn.
//
// The clients behind are kept in a vector with each outbox's index in it, so joining,
// leaving and finding the furthest behind (a walk over those behind only, when the budget is
// passed) cost no allocation on the message path. One executor's state, like the outboxes.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/message.hpp"

namespace parley {

class Outbox;

class OutboxBudget {
  public:
    // Evicts the client whose outbox has `owner` (Outbox::set_owner). Never throws.
    using Evict = void (*)(void* owner) noexcept;
    static constexpr std::uint32_t not_behind = UINT32_MAX;

    // 0: no budget (as a server made in tests runs unless told otherwise).
    void set_limit(std::size_t bytes) { limit_ = bytes; }
    std::size_t limit() const { return limit_; }
    void on_evict(Evict evict) { evict_ = evict; }

    // The bytes held now, and the most held since the start (what the budget was tested on).
    std::size_t held() const { return held_; }
    std::size_t peak() const { return peak_; }
    bool over() const { return limit_ != 0 && held_ > limit_; }
    // Clients evicted to keep within the budget, since the start.
    std::uint64_t evictions() const { return evictions_; }
    // Clients behind now (see above): those the budget may evict.
    std::size_t behind() const { return behind_.size(); }

    // What one message costs while queued: the block make_message() allocates (the shared
    // count and the string object) and the string's own buffer if it is not held inline, each
    // with malloc's 16-byte rounding and header. An estimate of the allocator's cost, not a
    // measurement; the budget test checks it against the process's RSS.
    static std::size_t cost(const MessageBytes& m) {
        constexpr std::size_t block = 64;  // 56 bytes asked for, in a 64-byte chunk
        constexpr std::size_t inline_capacity = 15;
        const std::size_t heap =
            m.capacity() > inline_capacity ? (m.capacity() + 1 + 8 + 15) & ~std::size_t{15} : 0;
        return block + heap;
    }

    // An outbox takes `m` / lets go of it.
    void hold(const MessageBytes& m) {
        if (m.outboxes++ == 0) {
            add(cost(m));
        }
    }
    void release(const MessageBytes& m) {
        if (--m.outboxes == 0) {
            take(cost(m));
        }
    }
    void add(std::size_t bytes) {
        held_ += bytes;
        if (held_ > peak_) {
            peak_ = held_;
        }
    }
    void take(std::size_t bytes) { held_ -= bytes; }

    // An outbox's socket refused part of a write (its writer keeps a copy) / it has read
    // everything since, or it closed.
    void fell_behind(Outbox& outbox);
    void caught_up(Outbox& outbox);

    // Past the budget: evicts the clients furthest behind until it is kept again, or nobody
    // is behind. Called after whatever added to what is held.
    void shed() noexcept;

  private:
    std::vector<Outbox*> behind_;
    std::size_t limit_ = 0;
    std::size_t held_ = 0;
    std::size_t peak_ = 0;
    std::uint64_t evictions_ = 0;
    Evict evict_ = nullptr;
};

}  // namespace parley
