// The outbox on its own: byte limit, batching, the end of the stream, and the writer's side
// of the channel (next_batch) driven by a real io_context.

#include "server/outbox.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using parley::Batch;
using parley::make_message;
using parley::Message;
using parley::Outbox;
using parley::Task;
using parley::WakeQueue;

namespace {

// A writer as a session runs it: takes batches until the stream ends, recording each.
struct Writer {
    std::vector<std::string> batches;
    bool ended = false;

    Task<void> run(Outbox& box) {
        while (Batch batch = co_await box.next_batch()) {
            batches.emplace_back(batch.bytes);
            box.written(batch.bytes.size());
        }
        ended = true;
    }
};

// Runs ready handlers until none is left (the writer is parked or ended).
void settle(asio::io_context& io) {
    io.restart();
    io.poll();
}

}  // namespace

TEST_CASE("outbox: one take hands over every queued message, in order", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    CHECK(box.empty());
    for (const char* line : {"a\r\n", "bb\r\n", "ccc\r\n"}) {
        REQUIRE(box.offer(make_message(line)));
    }
    CHECK_FALSE(box.empty());
    CHECK(box.unread_bytes() == 12);
    std::string batch;
    CHECK(box.take(batch, 1 << 20) == 12);
    CHECK(batch == "a\r\nbb\r\nccc\r\n");
    CHECK(box.empty());
    // Taken is not yet written: the bytes still count until the writer reports them.
    CHECK(box.unread_bytes() == 12);
    box.written(12);
    CHECK(box.unread_bytes() == 0);
    CHECK(box.take(batch, 1 << 20) == 0);
}

TEST_CASE("outbox: take appends to what the buffer already holds", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    REQUIRE(box.offer(make_message("new\r\n")));
    std::string batch = "old\r\n";
    CHECK(box.take(batch, 1 << 20) == 5);
    CHECK(batch == "old\r\nnew\r\n");
}

TEST_CASE("outbox: the byte limit refuses the message that would pass it", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 10);
    const Message four = make_message("abcd");
    CHECK(box.offer(four));
    CHECK(box.offer(four));
    CHECK_FALSE(box.offer(four));               // 12 > 10: the client is too slow
    CHECK(box.offer(make_message("xy")));       // exactly 10 still fits
    CHECK_FALSE(box.offer(make_message("z")));  // nothing more
    CHECK(box.unread_bytes() == 10);
}

TEST_CASE("outbox: a batch straddling the limit frees only what was written", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 10);
    REQUIRE(box.offer(make_message("12345")));
    REQUIRE(box.offer(make_message("67890")));
    std::string batch;
    REQUIRE(box.take(batch, 1 << 20) == 10);
    CHECK(batch == "1234567890");
    // The socket took 3 bytes of the batch; the other 7 still count against the limit.
    box.written(3);
    CHECK(box.offer(make_message("abc")));
    CHECK_FALSE(box.offer(make_message("d")));
    box.written(7);
    CHECK(box.offer(make_message("defghij")));
    CHECK_FALSE(box.offer(make_message("k")));
}

TEST_CASE("outbox: the soft limit splits a long queue into several writes", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 0);  // unbounded
    const Message line = make_message(std::string(100, 'x'));
    for (int i = 0; i < 25; ++i) {
        REQUIRE(box.offer(line));
    }
    std::size_t total = 0;
    int batches = 0;
    while (!box.empty()) {
        std::string batch;
        const std::size_t n = box.take(batch, 1000);
        CHECK(n == batch.size());
        CHECK(n <= 1000);
        CHECK(n % 100 == 0);
        total += n;
        ++batches;
    }
    CHECK(total == 2500);
    CHECK(batches == 3);
}

TEST_CASE("outbox: a message is never split at the soft limit", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 0);
    REQUIRE(box.offer(make_message(std::string(60, 'a'))));
    REQUIRE(box.offer(make_message(std::string(60, 'b'))));
    std::string batch;
    // 60 < 100, so the second message is taken whole even though it passes the soft limit.
    CHECK(box.take(batch, 100) == 120);
    CHECK(batch == std::string(60, 'a') + std::string(60, 'b'));
}

TEST_CASE("outbox: finish() ends the stream after what came before it", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    REQUIRE(box.offer(make_message("last words\r\n")));
    box.finish();
    CHECK_FALSE(box.open());
    CHECK_FALSE(box.drained());                     // the last words are still to be written
    CHECK(box.offer(make_message("dropped\r\n")));  // accepted and dropped: no eviction
    std::string batch;
    CHECK(box.take(batch, 1 << 20) == 12);
    CHECK(batch == "last words\r\n");
    CHECK(box.drained());
}

TEST_CASE("outbox: an emptied outbox can be filled again", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 128);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 20; ++i) {  // past the ring's first capacity: it grows
            REQUIRE(box.offer(make_message("ab\r\n")));
        }
        std::string batch;
        CHECK(box.take(batch, 1 << 20) == 80);
        CHECK(box.empty());
        box.written(80);
    }
    CHECK(box.unread_bytes() == 0);
}

TEST_CASE("outbox: a quiet outbox lets its storage go, a busy one keeps it", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 0);
    CHECK(box.capacity() == 0);  // nothing allocated before the first message
    REQUIRE(box.offer(make_message("hi\r\n")));
    CHECK(box.capacity() > 0);
    std::string batch;
    box.take(batch, 1 << 20);
    CHECK(box.capacity() == 0);  // a few messages per wake-up: nothing kept while idle

    for (int i = 0; i < 100; ++i) {
        REQUIRE(box.offer(make_message("x\r\n")));
    }
    const std::size_t grown = box.capacity();
    CHECK(grown >= 100);
    box.take(batch, 1 << 20);
    CHECK(box.empty());
    CHECK(box.capacity() == grown);  // busy: the next burst needs no allocation
    CHECK_FALSE(box.take_batch());   // the writer asking for more finds nothing...
    CHECK(box.capacity() == grown);  // ...which does not make the session a quiet one
    for (int i = 0; i < 100; ++i) {
        REQUIRE(box.offer(make_message("x\r\n")));
    }
    CHECK(box.capacity() == grown);
}

TEST_CASE("outbox: a parked writer gets a whole turn's messages as one batch", "[outbox]") {
    asio::io_context io;
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    Writer w;
    asio::co_spawn(io, w.run(box), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
    settle(io);
    CHECK(box.writer_waiting());  // idle: parked on the channel, nothing to write
    CHECK(w.batches.empty());

    // Three offers within one handler (as a read handling three lines does): one wake-up.
    asio::post(io, [&] {
        for (const char* line : {"a\r\n", "b\r\n", "c\r\n"}) {
            REQUIRE(box.offer(make_message(line)));
        }
    });
    settle(io);
    REQUIRE(w.batches.size() == 1);
    CHECK(w.batches[0] == "a\r\nb\r\nc\r\n");
    CHECK(box.writer_waiting());  // parked again, until the next message
    CHECK(box.unread_bytes() == 0);

    REQUIRE(box.offer(make_message("d\r\n")));
    settle(io);
    REQUIRE(w.batches.size() == 2);
    CHECK(w.batches[1] == "d\r\n");
    CHECK_FALSE(w.ended);
}

TEST_CASE("outbox: finish() lets the writer drain, then ends it", "[outbox]") {
    asio::io_context io;
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    Writer w;
    asio::co_spawn(io, w.run(box), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
    settle(io);
    REQUIRE(box.offer(make_message("goodbye\r\n")));
    box.finish();
    CHECK(box.offer(make_message("too late\r\n")));  // dropped: the stream has ended
    settle(io);
    CHECK(w.batches == std::vector<std::string>{"goodbye\r\n"});
    CHECK(w.ended);
    CHECK_FALSE(box.writer_waiting());
}

TEST_CASE("outbox: close() ends the writer at once and drops what is queued", "[outbox]") {
    asio::io_context io;
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    Writer w;
    asio::co_spawn(io, w.run(box), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
    settle(io);
    REQUIRE(box.offer(make_message("never written\r\n")));
    box.close();
    CHECK(box.empty());  // the messages are released now, not when the writer runs
    settle(io);
    CHECK(w.batches.empty());
    CHECK(w.ended);
}

TEST_CASE("outbox: a writer that arrives after the end still ends", "[outbox]") {
    asio::io_context io;
    WakeQueue wakes;
    Outbox box(wakes, 1024);
    REQUIRE(box.offer(make_message("x\r\n")));
    box.finish();
    Writer w;
    asio::co_spawn(io, w.run(box), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
    settle(io);
    CHECK(w.batches == std::vector<std::string>{"x\r\n"});
    CHECK(w.ended);
}

TEST_CASE("outbox: the generator splits a long queue at the batch limit", "[outbox]") {
    asio::io_context io;
    WakeQueue wakes;
    Outbox box(wakes, 0);
    Writer w;
    asio::co_spawn(io, w.run(box), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
    settle(io);
    const std::size_t kib100 = 100 * 1024;
    static_assert(Outbox::batch_limit == 256 * 1024, "the expected batches below assume it");
    for (int i = 0; i < 10; ++i) {
        REQUIRE(box.offer(make_message(std::string(kib100, static_cast<char>('a' + i)))));
    }
    settle(io);
    // 300 + 300 + 300 + 100 KiB: each batch stops at the first message that reaches 256 KiB.
    REQUIRE(w.batches.size() == 4);
    std::string all;
    for (const auto& b : w.batches) {
        CHECK(b.size() <= 3 * kib100);
        all += b;
    }
    CHECK(all.size() == 10 * kib100);
    CHECK(all.substr(9 * kib100) == std::string(kib100, 'j'));
}

TEST_CASE("outbox: take_batch hands over the next batch without waiting", "[outbox]") {
    WakeQueue wakes;
    Outbox box(wakes, 0);
    const std::size_t kib100 = 100 * 1024;
    for (int i = 0; i < 4; ++i) {
        REQUIRE(box.offer(make_message(std::string(kib100, static_cast<char>('a' + i)))));
    }
    Batch first = box.take_batch();  // 300 KiB: the first message to reach 256 KiB ends it
    CHECK(first.bytes.size() == 3 * kib100);
    box.written(first.bytes.size());
    Batch second = box.take_batch();
    CHECK(second.bytes == std::string(kib100, 'd'));
    box.written(second.bytes.size());
    CHECK_FALSE(box.take_batch());  // nothing queued: an empty batch, not a wait
    CHECK(box.unread_bytes() == 0);
    box.close();
    REQUIRE(box.offer(make_message("x")));  // dropped
    CHECK_FALSE(box.take_batch());
}
