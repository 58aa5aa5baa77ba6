// The outbox on its own: byte limit, batching, the end-of-stream sentinel.

#include "server/outbox.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>

using parley::make_message;
using parley::Message;
using parley::Outbox;

namespace {
// Runs one next_batch to completion on `io` and returns what it produced.
struct Batch {
    bool more = false;
    std::string bytes;
};
std::optional<Batch> take(asio::io_context& io, Outbox& box, std::size_t soft_limit) {
    std::optional<Batch> got;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            Batch b;
            b.more = co_await box.next_batch(b.bytes, soft_limit);
            got = std::move(b);
        },
        asio::detached);
    io.restart();
    io.run();
    return got;
}
}  // namespace

TEST_CASE("outbox: one wake-up takes every queued message, in order", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 1024);
    for (const char* line : {"a\r\n", "bb\r\n", "ccc\r\n"}) {
        REQUIRE(box.offer(make_message(line)));
    }
    CHECK(box.unread_bytes() == 12);
    auto batch = take(io, box, 1 << 20);
    REQUIRE(batch);
    CHECK(batch->more);
    CHECK(batch->bytes == "a\r\nbb\r\nccc\r\n");
    // Taken is not yet written: the bytes still count until the writer reports them.
    CHECK(box.unread_bytes() == 12);
    box.written(12);
    CHECK(box.unread_bytes() == 0);
}

TEST_CASE("outbox: the byte limit refuses the message that would pass it", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 10);
    const Message four = make_message("abcd");
    CHECK(box.offer(four));
    CHECK(box.offer(four));
    CHECK_FALSE(box.offer(four));               // 12 > 10: the client is too slow
    CHECK(box.offer(make_message("xy")));       // exactly 10 still fits
    CHECK_FALSE(box.offer(make_message("z")));  // nothing more
    CHECK(box.unread_bytes() == 10);
}

TEST_CASE("outbox: a batch straddling the limit frees only what was written", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 10);
    REQUIRE(box.offer(make_message("12345")));
    REQUIRE(box.offer(make_message("67890")));
    auto batch = take(io, box, 1 << 20);
    REQUIRE(batch);
    CHECK(batch->bytes == "1234567890");
    // The socket took 3 bytes of the batch; the other 7 still count against the limit.
    box.written(3);
    CHECK(box.offer(make_message("abc")));
    CHECK_FALSE(box.offer(make_message("d")));
    box.written(7);
    CHECK(box.offer(make_message("defghij")));
    CHECK_FALSE(box.offer(make_message("k")));
}

TEST_CASE("outbox: the soft limit splits a long queue into several writes", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 0);  // unbounded
    const Message line = make_message(std::string(100, 'x'));
    for (int i = 0; i < 25; ++i) {
        REQUIRE(box.offer(line));
    }
    std::size_t total = 0;
    int batches = 0;
    while (total < 2500) {
        auto batch = take(io, box, 1000);
        REQUIRE(batch);
        CHECK(batch->bytes.size() <= 1000);
        CHECK(batch->bytes.size() % 100 == 0);
        total += batch->bytes.size();
        ++batches;
    }
    CHECK(total == 2500);
    CHECK(batches == 3);
}

TEST_CASE("outbox: finish() ends the stream after what came before it", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 1024);
    REQUIRE(box.offer(make_message("last words\r\n")));
    REQUIRE(box.finish());
    CHECK(box.finished());
    CHECK(box.offer(make_message("dropped\r\n")));  // accepted and dropped: no eviction
    auto batch = take(io, box, 1 << 20);
    REQUIRE(batch);
    CHECK(batch->bytes == "last words\r\n");
    CHECK_FALSE(batch->more);
}

TEST_CASE("outbox: a writer waiting on an empty outbox wakes for the first offer", "[outbox]") {
    asio::io_context io;
    Outbox box(io.get_executor(), 1024);
    std::optional<Batch> got;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            Batch b;
            b.more = co_await box.next_batch(b.bytes, 1 << 20);
            got = std::move(b);
        },
        asio::detached);
    io.poll();  // the writer is now suspended in the receive
    CHECK_FALSE(got);
    REQUIRE(box.offer(make_message("hello\r\n")));
    io.run();
    REQUIRE(got);
    CHECK(got->bytes == "hello\r\n");
    CHECK(got->more);
}
