// The history store on its own: the storage thread, the database and retention, in a temporary
// directory.

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <mutex>

#include "server/store/history_db.hpp"
#include "server/store/storage_thread.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley::store;
using parley::test::TempDir;

namespace {

StoreOptions options_in(const TempDir& dir) {
    StoreOptions o;
    o.path = dir.path() + "/history.db";
    o.batch_interval = std::chrono::milliseconds(10);
    return o;
}

void say(StorageThread& s, std::uint64_t id, std::string_view room, std::string_view text,
         std::int64_t time_ms = 1'700'000'000'000) {
    REQUIRE(
        s.record(RecordKind::message, id, time_ms, room, "alice", "alice!plain@127.0.0.1", text));
}

std::vector<std::string> texts(const Page& p) {
    std::vector<std::string> out;
    for (const Record& r : p.events) {
        out.push_back(r.text);
    }
    return out;
}

// Asks the running thread for a page and waits for the answer (on the storage thread).
Page read_query(StorageThread& s, std::string room, const Query& q) {
    std::mutex m;
    std::condition_variable cv;
    std::optional<Page> got;
    REQUIRE(s.read(std::move(room), q, true, [&](Page p) {
        std::lock_guard lock(m);
        got = std::move(p);
        cv.notify_one();
    }));
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.has_value(); }));
    return std::move(*got);
}

Page read_page(StorageThread& s, std::string room, std::uint64_t before, std::size_t limit) {
    return read_query(s, std::move(room), Query::page(before, limit));
}

}  // namespace

TEST_CASE("the store keeps events and topics across reopening, with their ids and times",
          "[store]") {
    TempDir dir;
    {
        StorageThread s(options_in(dir));
        CHECK(s.max_id() == 0);
        s.start();
        say(s, 1, "#lobby", "one", 1000);
        REQUIRE(s.record(RecordKind::action, 2, 2000, "#lobby", "bob", "bob!x@h", "waves"));
        say(s, 3, "#rust", "elsewhere");
        REQUIRE(s.set_topic("#lobby", "the topic", "bob", 1500));
    }  // stopped: everything queued is written
    StorageThread s(options_in(dir));
    CHECK(s.max_id() == 3);
    const Page p = s.read_now("#lobby", Query::page(0, 10), true);
    REQUIRE(p.events.size() == 2);
    CHECK(p.events[0].id == 1);
    CHECK(p.events[0].time_ms == 1000);
    CHECK(p.events[0].source == "alice!plain@127.0.0.1");
    CHECK(p.events[1].kind == RecordKind::action);
    CHECK(p.events[1].nick == "bob");
    REQUIRE(p.topic);
    CHECK(p.topic->text == "the topic");
    CHECK(p.topic->setter == "bob");
    CHECK(p.topic->time_ms == 1500);
    CHECK_FALSE(s.read_now("#nowhere", Query::page(0, 10), true).topic);
}

TEST_CASE("pages go back from an id, oldest first, bounded", "[store]") {
    TempDir dir;
    StorageThread s(options_in(dir));
    s.start();
    for (std::uint64_t i = 1; i <= 10; ++i) {
        say(s, i, "#a", std::to_string(i));
        say(s, 100 + i, "#b", "b");
    }
    // A read is answered after the writes queued before it.
    CHECK(texts(read_page(s, "#a", 0, 3)) == std::vector<std::string>{"8", "9", "10"});
    CHECK(texts(read_page(s, "#a", 8, 3)) == std::vector<std::string>{"5", "6", "7"});
    CHECK(texts(read_page(s, "#a", 2, 3)) == std::vector<std::string>{"1"});
    CHECK(read_page(s, "#a", 1, 3).events.empty());
    CHECK(s.stats().events_written.load() == 20);
    CHECK(s.stats().batches.load() >= 1);
    CHECK(s.stats().events_dropped.load() == 0);
}

TEST_CASE("queries: after, before, around and between, by id or by time", "[store][history]") {
    TempDir dir;
    StorageThread s(options_in(dir));
    s.start();
    // #a: ids 2, 4, ..., 20 at times 1000, 2000, ..., 10000; #b's events in between.
    for (std::uint64_t i = 1; i <= 10; ++i) {
        say(s, 2 * i, "#a", std::to_string(i), static_cast<std::int64_t>(i) * 1000);
        say(s, 2 * i + 1, "#b", "b", static_cast<std::int64_t>(i) * 1000 + 500);
    }
    const auto ask = [&](Query q) { return texts(read_query(s, "#a", q)); };
    using V = std::vector<std::string>;
    Query q;
    q.limit = 3;
    CHECK(ask(q) == V{"8", "9", "10"});  // the latest
    // After a message (excluded): the latest of those, or the oldest.
    q.after = Ref::message(14);
    CHECK(ask(q) == V{"8", "9", "10"});
    q.limit = 10;
    CHECK(ask(q) == V{"8", "9", "10"});
    q.limit = 2;
    q.oldest = true;
    CHECK(ask(q) == V{"8", "9"});
    // By time: a moment between two messages, and one exactly at a message (excluded).
    q.after = Ref::at(6500);
    CHECK(ask(q) == V{"7", "8"});
    q.after = Ref::at(7000);
    CHECK(ask(q) == V{"8", "9"});
    // Before (excluded), the newest first kept.
    q = Query{};
    q.limit = 2;
    q.before = Ref::at(7000);
    CHECK(ask(q) == V{"5", "6"});
    q.before = Ref::message(15);  // an id of #b's: the bound still holds
    CHECK(ask(q) == V{"6", "7"});
    q.before = Ref::at(500);
    CHECK(ask(q).empty());
    q.before = Ref::at(99'000);
    CHECK(ask(q) == V{"9", "10"});
    // Between two bounds, from either end.
    q = Query{};
    q.after = Ref::message(2);
    q.before = Ref::at(10000);
    q.limit = 100;
    CHECK(ask(q) == V{"2", "3", "4", "5", "6", "7", "8", "9"});
    q.limit = 3;
    q.oldest = true;
    CHECK(ask(q) == V{"2", "3", "4"});
    q.oldest = false;
    CHECK(ask(q) == V{"7", "8", "9"});
    // Around a message: limit / 2 before it, the rest from it on.
    q = Query{};
    q.around = Ref::message(14);
    q.limit = 1;
    CHECK(ask(q) == V{"7"});
    q.limit = 3;
    CHECK(ask(q) == V{"6", "7", "8"});
    q.around = Ref::at(6999);  // the first message from that moment on is 7
    CHECK(ask(q) == V{"6", "7", "8"});
    q.around = Ref::at(6000);
    CHECK(ask(q) == V{"5", "6", "7"});
    q.around = Ref::message(2);  // nothing before the first: the rest after it
    q.limit = 4;
    CHECK(ask(q) == V{"1", "2", "3", "4"});
    // Bounds past either end.
    q = Query{};
    q.limit = 5;
    q.after = Ref::at(std::numeric_limits<std::int64_t>::max());
    CHECK(ask(q).empty());
    q.after = Ref::message(std::numeric_limits<std::uint64_t>::max());
    CHECK(ask(q).empty());
    q.after = Ref::at(std::numeric_limits<std::int64_t>::min());
    CHECK(ask(q) == V{"6", "7", "8", "9", "10"});
    CHECK(texts(read_query(s, "#none", q)).empty());
}

TEST_CASE("a full queue drops writes and counts them; the others still go through", "[store]") {
    TempDir dir;
    StoreOptions o = options_in(dir);
    o.queue_limit = 4;
    {
        StorageThread s(o);  // not started: nothing drains the queue
        for (std::uint64_t i = 1; i <= 4; ++i) {
            say(s, i, "#a", "kept");
        }
        CHECK_FALSE(s.record(RecordKind::message, 5, 0, "#a", "x", "x", "dropped"));
        CHECK(s.stats().events_dropped.load() == 1);
        CHECK(s.stats().queue_depth.load() == 4);
        s.start();
    }
    StorageThread s(o);
    CHECK(s.max_id() == 4);
}

TEST_CASE("retention keeps the newest messages of each room, and drops the old", "[store]") {
    TempDir dir;
    StoreOptions o = options_in(dir);
    o.retain_messages = 3;
    o.retain_days = 1;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    {
        StorageThread s(o);
        s.start();
        say(s, 1, "#old", "two days old", now_ms - 2 * 86'400'000);
        for (std::uint64_t i = 2; i <= 11; ++i) {
            say(s, i, "#a", std::to_string(i), now_ms);
        }
    }  // the writer trims after its first batch
    StorageThread s(o);
    CHECK(texts(s.read_now("#a", Query::page(0, 100), false)) ==
          std::vector<std::string>{"9", "10", "11"});
    CHECK(s.read_now("#old", Query::page(0, 100), false).events.empty());
}

TEST_CASE("a file that is not a database is refused as damaged", "[store]") {
    TempDir dir;
    const std::string file = dir.path() + "/history.db";
    std::ofstream(file) << std::string(8192, 'x');
    try {
        HistoryDb db(file);
        FAIL("opened a file of garbage");
    } catch (const StoreError& e) {
        CHECK(e.corrupt());
        CHECK(std::string(e.what()).find(file) != std::string::npos);
    }
}

TEST_CASE("a backup is a database with the same history", "[store]") {
    TempDir dir;
    StoreOptions o = options_in(dir);
    StorageThread s(o);
    s.start();
    say(s, 7, "#a", "saved");
    read_page(s, "#a", 0, 1);  // committed
    backup(o.path, dir.path() + "/copy.db");
    HistoryDb copy(dir.path() + "/copy.db");
    REQUIRE(copy.select("#a", Query::page(0, 10)).size() == 1);
    CHECK(copy.select("#a", Query::page(0, 10))[0].text == "saved");
    CHECK(copy.max_id() == 7);
}

// A batch is written with multi-row INSERTs of HistoryDb::insert_rows rows and single ones for
// the rest: every field of every row lands in its own column, in order, whatever statement
// wrote it, and a row whose id is already stored is skipped without losing its neighbours.
TEST_CASE("a batch of events is stored whole, each field in its place, known ids skipped",
          "[store]") {
    TempDir dir;
    HistoryDb db(dir.path() + "/history.db");
    const RecordKind kinds[] = {RecordKind::message, RecordKind::action, RecordKind::notice};
    const auto make = [&](std::uint64_t id) {
        Record r;
        r.id = id;
        r.time_ms = 1000 + static_cast<std::int64_t>(id);
        r.room = id % 2 == 0 ? "#even" : "#odd";
        r.kind = kinds[id % 3];
        r.nick = "n" + std::to_string(id);
        r.source = r.nick + "!u@h" + std::to_string(id);
        r.text = "text " + std::to_string(id);
        return r;
    };
    const std::size_t total = 2 * HistoryDb::insert_rows + 5;
    {
        Transaction tx(db.connection());
        db.insert(make(7));  // already there when the batch comes
        tx.commit();
    }
    std::vector<Record> records;
    for (std::uint64_t id = 1; id <= total; ++id) {
        records.push_back(make(id));
    }
    records[6].text = "a second copy of 7";  // skipped: 7 keeps its first text
    std::vector<const Record*> batch;
    for (const Record& r : records) {
        batch.push_back(&r);
    }
    {
        Transaction tx(db.connection());
        db.insert(batch);
        tx.commit();
    }
    CHECK(db.max_id() == total);
    std::size_t seen = 0;
    for (const char* room : {"#even", "#odd"}) {
        const std::vector<Record> page = db.select(room, Query::page(0, total));
        std::uint64_t expected = std::string_view(room) == "#even" ? 2 : 1;
        for (const Record& r : page) {
            const Record want = make(expected);
            CHECK(r.id == want.id);
            CHECK(r.time_ms == want.time_ms);
            CHECK(r.room == want.room);
            CHECK(r.kind == want.kind);
            CHECK(r.nick == want.nick);
            CHECK(r.source == want.source);
            CHECK(r.text == want.text);
            expected += 2;
        }
        seen += page.size();
    }
    CHECK(seen == total);
}
