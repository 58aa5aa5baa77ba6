#pragma once
// A session's outbox: the bounded queue between everybody who sends to a client and the one
// coroutine that writes to its socket.
//
// Senders never wait: offer() either queues the shared message or says the client is too far
// behind (its unread bytes would pass the limit), and the caller disconnects it. The writer
// reads the outbox like an async generator: next_batch() waits for one message and then takes
// every message already queued, so one wake-up and one write carry them all.
//
// Asio 1.22's channel drops buffered messages on close() (asio#1236), so the end of the
// stream is an empty Message (the sentinel) queued behind the rest: everything offered before
// finish() is still written.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/experimental/basic_channel.hpp>
#include <asio/experimental/channel_traits.hpp>
#include <cstddef>
#include <string>

#include "server/message.hpp"
#include "shared/ring_queue.hpp"

namespace parley {

// Channel traits that queue in a RingQueue: an idle outbox holds no buffer at all.
template <class... Signatures>
struct OutboxTraits : asio::experimental::channel_traits<Signatures...> {
    template <class... NewSignatures>
    struct rebind {
        using other = OutboxTraits<NewSignatures...>;
    };
    template <class Element>
    struct container {
        using type = RingQueue<Element>;
    };
};

class Outbox {
  public:
    // max_bytes: the most unread bytes (queued plus being written); 0 means unbounded.
    Outbox(const asio::any_io_executor& ex, std::size_t max_bytes);

    // Queues `m` for the writer. False when the client is too slow: nothing was queued and the
    // client must go. After finish(), offers are accepted and dropped.
    bool offer(const Message& m);

    // Queues the sentinel: the writer ends after writing what came before it.
    // False if it could not be queued (the client is too slow for even that).
    bool finish();
    bool finished() const { return finished_; }

    // Replaces `out` with the wire bytes of the next messages: waits for the first, then takes
    // the rest already queued, up to about `soft_limit` bytes. `out` is touched only after the
    // wait, so several writers may share one buffer between their suspensions. Returns false once
    // the sentinel is reached (after appending what came before it) or when the wait was cancelled.
    asio::awaitable<bool> next_batch(std::string& out, std::size_t soft_limit);

    // The writer reports bytes that reached the socket; they stop counting against the limit.
    void written(std::size_t n) { unread_ -= n; }

    std::size_t unread_bytes() const { return unread_; }

  private:
    using channel = asio::experimental::basic_channel<asio::any_io_executor, OutboxTraits<>,
                                                      void(asio::error_code, Message)>;
    channel channel_;
    std::size_t max_bytes_;
    std::size_t unread_ = 0;
    bool finished_ = false;
};

}  // namespace parley
