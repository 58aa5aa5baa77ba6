#pragma once
// The history store's one thread: the event loop never waits on the disk.
//
// The loop queues writes (events and topics) into a bounded queue under a short mutex, with no
// disk I/O and, once the queue's slots have grown, no allocation. The storage thread wakes when
// the queue stops being empty, lets a batch gather for at most `batch_interval` (so a queued
// event is committed within one interval plus the commit itself), and writes the whole batch in
// one transaction. When the disk falls behind, the queue fills and further writes are dropped,
// counted and logged once, while chat goes on; a later write that fits logs the recovery.
//
// Reads (a re-created room's scrollback and topic, /history, IRC's CHATHISTORY) are bounded
// queries (query.hpp) queued to the same thread. They wake it at once, and are answered, in
// the order asked, after every write queued before them is committed, so a read sees what the room
// said up to the moment it was asked. The answer is handed to the request's callback on the storage
// thread: the caller posts it back to its own executor (and must expect its asker to be gone by
// then).
//
// Retention (--retain-messages, --retain-days) runs on the same thread between batches, in
// short transactions of at most a thousand rows each.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/store/history_db.hpp"
#include "server/store/record.hpp"
#include "server/store/store_stats.hpp"
#include "server/store/write_queue.hpp"

namespace parley::store {

struct StoreOptions {
    std::string path;                 // the database file
    std::size_t queue_limit = 16384;  // writes waiting at once before writes are dropped
    std::chrono::milliseconds batch_interval{50};
    std::size_t retain_messages = 0;  // per room; 0: all
    double retain_days = 0;           // 0: forever
};

// What a read found: a room's events, oldest first, and its topic when asked for.
struct Page {
    std::vector<Record> events;
    std::optional<TopicRecord> topic;
    bool failed = false;  // the query failed (logged); the page is empty
};

class StorageThread {
  public:
    // Opens the database (throws StoreError). The thread starts with start(); until then the
    // caller may read directly with read_now().
    explicit StorageThread(StoreOptions options);
    // Stops and joins the thread after it has written everything queued.
    ~StorageThread();
    StorageThread(const StorageThread&) = delete;
    StorageThread& operator=(const StorageThread&) = delete;

    // The highest event id stored when the database was opened.
    std::uint64_t max_id() const { return max_id_; }

    // Before start(): a query on the calling thread.
    Page read_now(std::string_view room, const Query& q, bool with_topic);
    void start();
    // Writes what is queued, then ends the thread. Idempotent.
    void stop();

    // From the event loop. False when the write was dropped (the queue is full).
    bool record(RecordKind kind, std::uint64_t id, std::int64_t time_ms, std::string_view room,
                std::string_view nick, std::string_view source, std::string_view text);
    bool set_topic(std::string_view room, std::string_view text, std::string_view setter,
                   std::int64_t time_ms);

    // The events of `room` that `q` asks for (query.hpp), and its topic if `with_topic`;
    // `done` is called on the storage thread with the page. False (and `done` never called)
    // when the thread is not running or too many reads are waiting.
    using Done = std::function<void(Page)>;
    bool read(std::string room, const Query& q, bool with_topic, Done done);

    const StoreStats& stats() const { return stats_; }

  private:
    struct Read {
        std::string room;
        Query query;
        bool with_topic;
        Done done;
    };
    static constexpr std::size_t read_limit = 1024;

    // Queues one write filled in by `fill(Write&)`; false when it was dropped.
    template <class Fill>
    bool push(Fill&& fill);
    void run();
    void write_batch();
    void answer(std::vector<Read>& reads);
    void retain();
    Page query(std::string_view room, const Query& q, bool with_topic);

    StoreOptions options_;
    HistoryDb db_;
    std::uint64_t max_id_ = 0;
    StoreStats stats_;

    std::mutex mutex_;
    std::condition_variable wake_;
    // Under mutex_:
    WriteQueue incoming_;
    std::vector<Read> reads_;
    bool stopping_ = false;
    bool dropping_ = false;          // writes are being dropped; logged when it starts and ends
    std::uint64_t dropped_run_ = 0;  // writes dropped since dropping began

    // The storage thread's own:
    WriteQueue draining_;
    std::vector<const Record*> events_;  // the events of the batch being written
    std::set<std::string> touched_;      // rooms written since the last retention pass
    std::chrono::steady_clock::time_point last_retention_{};
    bool failing_ = false;  // the last batch failed (logged once until one succeeds)
    std::thread thread_;
};

}  // namespace parley::store
