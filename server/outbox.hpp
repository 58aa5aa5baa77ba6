#pragma once
// A session's outbox: the async channel between everybody who sends to a client and the
// session's writer coroutine, bounded in bytes.
//
// Senders never wait: offer() either queues the shared message or says the client is too far
// behind (its unread bytes would pass the limit), and the caller evicts it. The writer consumes
// the outbox as an async generator,
//
//     while (Batch batch = co_await outbox.next_batch(buffer, limit)) { ...one send... }
//
// where each next_batch() waits until something is queued and then hands over everything
// queued since the last batch, so one wake-up and one write carry a whole turn's worth of
// messages (Redis writes its clients' output the same way, once per turn of its event loop;
// see WakeQueue).
//
// A channel of Parley's own rather than asio::experimental::channel: in Asio 1.22 that one
// drops buffered messages on close (asio#1236) and fails every try_send after a receive was
// cancelled (asio#1241), and it allocates an operation per receive. Here the one parked writer
// is kept in place (no allocation), woken writers are resumed together at the end of the turn
// (WakeQueue), and the stream ends by finish() (drain, then end) or close() (end now); a
// receive is never cancelled.
//
// An empty outbox holds no storage: the queue is allocated on first use and released when a
// quiet session drains it, so ten thousand idle connections hold no queues at all.
//
// Every outbox of the executor reports what it holds to the one OutboxBudget (the WakeQueue's):
// each message it takes and lets go, its ring's storage, and its writer's private copy. The
// budget evicts the clients furthest behind when all together hold more than --outbox-total.

#include <asio/async_result.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/message.hpp"
#include "server/outbox_budget.hpp"
#include "server/task.hpp"
#include "server/wake_queue.hpp"
#include "shared/ring_queue.hpp"

namespace parley {

// One step of an outbox's generator: the bytes to write, or none once the stream has ended.
struct Batch {
    std::string_view bytes;  // in the buffer given to next_batch()
    explicit operator bool() const { return !bytes.empty(); }
};

class Outbox {
  public:
    // One batch's bytes, at most about: keeps the buffer a batch is written from bounded when
    // the outbox limit is off.
    static constexpr std::size_t batch_limit = 256 * 1024;

    // max_bytes: the most unread bytes (queued plus taken but not yet written); 0 = unbounded.
    // Limits past 4 GiB count as unbounded.
    Outbox(WakeQueue& wakes, std::size_t max_bytes)
        : wakes_(wakes),
          max_bytes_(max_bytes > UINT32_MAX ? 0 : static_cast<std::uint32_t>(max_bytes)) {}
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    ~Outbox();

    // Whom the budget evicts when this outbox is the furthest behind (the Session).
    void set_owner(void* owner) { owner_ = owner; }
    void* owner() const { return owner_; }

    // Queues `m` for the writer without waiting. False when the client is too slow: nothing was
    // queued and the client must go. Once the stream has ended (finish or close), offers are
    // accepted and dropped.
    bool offer(const Message& m);

    // Ends the stream politely: what was offered before is still handed to the writer, then
    // next_batch() yields false.
    void finish();
    // Ends the stream now: what is queued is dropped and next_batch() yields false.
    void close();

    bool open() const { return state_ == State::open; }
    bool closed() const { return state_ == State::closed; }
    // Nothing left to hand over and nothing more will come.
    bool drained() const { return state_ != State::open && queue_.empty(); }

    // The generator's step: waits until a message is queued or the stream ends, then yields
    // the wire bytes of the queued messages, oldest first, as a Batch, stopping once it holds
    // batch_limit bytes or more (a message is never split). Yields an empty Batch once the
    // stream has ended and everything before the end was handed over. The bytes are in the
    // WakeQueue's buffer, shared by all writers: valid until the writer next suspends. One
    // writer per outbox.
    auto next_batch() {
        // The initiation captures only `this`: it lives in the frame of every parked writer.
        return asio::async_initiate<const asio::use_awaitable_t<Executor>&, void(Batch)>(
            [this](Waiter writer) { park(std::move(writer)); }, use_task);
    }

    // The generator's next step without waiting: what is queued now, as next_batch() would
    // yield it (empty when nothing is). For a writer whose socket took a whole batch while
    // more was queued than one batch holds.
    Batch take_batch();

    // The writer reports bytes that reached the socket; they stop counting against the limit.
    void written(std::size_t n) {
        unread_ -= n;
        if (unread_ == 0) {
            budget().caught_up(*this);
        }
    }
    // The writer holds a private copy of `bytes` bytes (the rest of a batch the socket did not
    // take) / has let go of it. The first also says the client is behind: only such clients
    // (their socket full) are ones the budget evicts, until they have read everything. The budget
    // counts it as the outbox's until then, or until the outbox closes: a closed outbox's writer
    // ends within the turn, and counting its copy gone at once keeps one eviction from looking like
    // too little and causing others.
    void copy_held(std::size_t bytes);
    void copy_released();

    std::size_t unread_bytes() const { return unread_; }
    bool empty() const { return queue_.empty(); }
    // Whether a writer is parked in next_batch (for tests).
    bool writer_waiting() const { return waiter_.has_value(); }
    // Queue slots allocated (for tests and memory accounting).
    std::size_t capacity() const { return queue_.capacity(); }

    // Hands over queued bytes as next_batch() does, without waiting (for tests).
    std::size_t take(std::string& out, std::size_t soft_limit);

  private:
    friend class WakeQueue;
    friend class OutboxBudget;
    // The parked writer: the handler that resumes its coroutine. Every coroutine of the
    // server runs on the one Executor type, so the handler has one known type and is kept in
    // place, not type-erased on the heap.
    using Waiter = asio::async_result<asio::use_awaitable_t<Executor>, void(Batch)>::handler_type;
    enum class State : unsigned char { open, finishing, closed };

    void park(Waiter writer);
    // Queues the parked writer's resumption, once, if there is something for it.
    void wake();
    // Called by the WakeQueue: hands the writer its batch.
    void resume();
    OutboxBudget& budget() const;
    // Drops every queued message, letting the budget know.
    void drop_queue();
    // Keeps the budget's count of ring storage in step after the queue grew or shrank.
    void storage_changed(std::size_t capacity_before);

    RingQueue<Message> queue_;
    std::optional<Waiter> waiter_;
    WakeQueue& wakes_;
    void* owner_ = nullptr;
    std::size_t unread_ = 0;
    std::uint32_t max_bytes_;  // 32 bits: the outbox sits in every connection
    std::uint32_t behind_slot_ = OutboxBudget::not_behind;  // its index among those behind
    std::uint32_t copy_ = 0;  // the writer's private copy, as counted in the budget
    State state_ = State::open;
    bool wake_posted_ = false;
};

}  // namespace parley
