#pragma once
// A session's outbox: the bounded queue between everybody who sends to a client and the writer
// that puts its bytes on the socket.
//
// Senders never wait: offer() either queues the shared message or says the client is too far
// behind (its unread bytes would pass the limit), and the caller disconnects it. The writer
// reads the outbox like a generator: take() hands over every message queued since the last
// take, so one wake-up and one write carry them all. An empty outbox holds no storage, and
// nothing waits on it: the session starts its writer when the first message arrives (see
// Session::deliver), so an idle connection costs no suspended coroutine and no buffer.

#include <cstddef>
#include <string>

#include "server/message.hpp"
#include "shared/ring_queue.hpp"

namespace parley {

class Outbox {
  public:
    // max_bytes: the most unread bytes (queued plus taken but not yet written); 0 = unbounded.
    explicit Outbox(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // Queues `m` for the writer. False when the client is too slow: nothing was queued and the
    // client must go. After finish(), offers are accepted and dropped.
    bool offer(const Message& m);

    // Ends the stream: what was offered before is still taken, nothing after it.
    void finish() { finished_ = true; }
    bool finished() const { return finished_; }

    // Appends the wire bytes of the queued messages to `out`, oldest first, stopping once `out`
    // holds `soft_limit` bytes or more (a message is never split). Returns how many bytes it
    // appended. Taken bytes still count against the limit until written() reports them.
    std::size_t take(std::string& out, std::size_t soft_limit);

    bool empty() const { return queue_.empty(); }
    // Nothing left to take and nothing more will come.
    bool drained() const { return finished_ && queue_.empty(); }

    // The writer reports bytes that reached the socket; they stop counting against the limit.
    void written(std::size_t n) { unread_ -= n; }

    std::size_t unread_bytes() const { return unread_; }
    // Queue slots allocated (for tests and memory accounting).
    std::size_t capacity() const { return queue_.capacity(); }

  private:
    RingQueue<Message> queue_;
    std::size_t max_bytes_;
    std::size_t unread_ = 0;
    bool finished_ = false;
};

}  // namespace parley
