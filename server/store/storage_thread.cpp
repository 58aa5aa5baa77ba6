#include "server/store/storage_thread.hpp"

#include <pthread.h>
#include <time.h>

#include <spdlog/spdlog.h>

namespace parley::store {

namespace {

constexpr std::size_t retention_step = 1000;  // rows per short transaction
constexpr std::size_t retention_steps = 10;   // per pass; the rest waits for the next pass
constexpr auto retention_period = std::chrono::seconds(1);

std::uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t since_ns(std::chrono::steady_clock::time_point start) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count());
}

}  // namespace

StorageThread::StorageThread(StoreOptions options)
    : options_(std::move(options)), db_(options_.path), max_id_(db_.max_id()) {
    // What an earlier run left past today's limits is trimmed in the first passes.
    if (options_.retain_messages > 0) {
        for (std::string& room : db_.rooms()) {
            touched_.insert(std::move(room));
        }
    }
}

StorageThread::~StorageThread() {
    stop();
}

Page StorageThread::read_now(std::string_view room, const Query& q, bool with_topic) {
    return query(room, q, with_topic);
}

void StorageThread::start() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
        // Named, so top -H and scripts/load-test tell its CPU from the event loop's.
        pthread_setname_np(thread_.native_handle(), "parley-store");
    }
}

void StorageThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

template <class Fill>
bool StorageThread::push(Fill&& fill) {
    enum { queued, first, dropped_first, dropped, recovered } what = queued;
    std::uint64_t lost = 0;
    {
        std::lock_guard lock(mutex_);
        if (incoming_.size() >= options_.queue_limit || stopping_) {
            stats_.events_dropped.fetch_add(1, std::memory_order_relaxed);
            ++dropped_run_;
            what = dropping_ ? dropped : dropped_first;
            dropping_ = true;
        } else {
            fill(incoming_.push());
            stats_.queue_depth.store(incoming_.size(), std::memory_order_relaxed);
            if (dropping_) {
                dropping_ = false;
                lost = dropped_run_;
                dropped_run_ = 0;
                what = recovered;
            }
            if (incoming_.size() == 1) {
                what = what == recovered ? recovered : first;
            }
        }
    }
    // Once per batch: the push that finds the queue empty wakes the thread; the others only
    // queue. (With nobody waiting, a notify costs no system call.)
    if (what == first || what == recovered) {
        wake_.notify_one();
    }
    if (what == dropped_first) {
        spdlog::warn(
            "history writing is falling behind: {} writes are queued; messages are not stored "
            "until the queue drains (chat goes on)",
            options_.queue_limit);
    } else if (what == recovered) {
        spdlog::info("history writing has caught up; {} writes were not stored", lost);
    }
    return what != dropped && what != dropped_first;
}

bool StorageThread::record(RecordKind kind, std::uint64_t id, std::int64_t time_ms,
                           std::string_view room, std::string_view nick, std::string_view source,
                           std::string_view text) {
    return push([&](Write& w) {
        w.op = Write::Op::event;
        Record& r = w.record;
        r.id = id;
        r.time_ms = time_ms;
        r.room.assign(room);
        r.kind = kind;
        r.nick.assign(nick);
        r.source.assign(source);
        r.text.assign(text);
    });
}

bool StorageThread::set_topic(std::string_view room, std::string_view text, std::string_view setter,
                              std::int64_t time_ms) {
    return push([&](Write& w) {
        w.op = Write::Op::topic;
        Record& r = w.record;
        r.room.assign(room);
        r.text.assign(text);
        r.nick.assign(setter);
        r.time_ms = time_ms;
    });
}

bool StorageThread::read(std::string room, const Query& q, bool with_topic, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !thread_.joinable() || reads_.size() >= read_limit) {
            return false;
        }
        reads_.push_back(Read{std::move(room), q, with_topic, std::move(done)});
    }
    wake_.notify_one();
    return true;
}

void StorageThread::run() {
    std::vector<Read> reads;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !incoming_.empty() || !reads_.empty(); });
        // Let a batch gather, unless a read waits (it is answered after the writes before it)
        // or the queue is half full.
        if (!stopping_ && reads_.empty()) {
            wake_.wait_for(lock, options_.batch_interval, [&] {
                return stopping_ || !reads_.empty() || incoming_.size() >= options_.queue_limit / 2;
            });
        }
        std::swap(incoming_, draining_);
        reads.swap(reads_);
        stats_.queue_depth.store(0, std::memory_order_relaxed);
        const bool last = stopping_;
        lock.unlock();

        write_batch();
        answer(reads);
        retain();
        stats_.thread_cpu_ns.store(thread_cpu_ns(), std::memory_order_relaxed);

        lock.lock();
        if (last && incoming_.empty() && reads_.empty()) {
            return;
        }
    }
}

void StorageThread::write_batch() {
    if (draining_.empty()) {
        return;
    }
    const auto start = std::chrono::steady_clock::now();
    events_.clear();
    try {
        Transaction tx(db_.connection());
        // Events and topics are in tables of their own and the batch is one transaction, so
        // the events can go in after the topics, together, with multi-row INSERTs.
        for (const Write& w : draining_) {
            if (w.op == Write::Op::event) {
                events_.push_back(&w.record);
            } else {
                db_.set_topic(
                    TopicRecord{w.record.room, w.record.text, w.record.nick, w.record.time_ms});
            }
        }
        db_.insert(events_);
        tx.commit();
        if (failing_) {
            spdlog::info("history writing works again");
            failing_ = false;
        }
    } catch (const std::exception& e) {
        // The transaction is rolled back: none of the batch's events is stored (those not
        // reached yet when it failed are counted too).
        std::size_t events = 0;
        for (const Write& w : draining_) {
            events += w.op == Write::Op::event ? 1 : 0;
        }
        stats_.errors.fetch_add(1, std::memory_order_relaxed);
        stats_.events_dropped.fetch_add(events, std::memory_order_relaxed);
        if (!failing_) {
            spdlog::error("history writing failed, {} writes lost: {}", draining_.size(), e.what());
            failing_ = true;
        }
        draining_.clear();
        return;
    }
    const std::uint64_t ns = since_ns(start);
    stats_.events_written.fetch_add(events_.size(), std::memory_order_relaxed);
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    stats_.commit_ns_sum.fetch_add(ns, std::memory_order_relaxed);
    if (ns > stats_.commit_ns_max.load(std::memory_order_relaxed)) {
        stats_.commit_ns_max.store(ns, std::memory_order_relaxed);
    }
    if (options_.retain_messages > 0) {
        for (const Write& w : draining_) {
            if (w.op == Write::Op::event &&
                (touched_.empty() || *touched_.rbegin() != w.record.room)) {
                touched_.insert(w.record.room);
            }
        }
    }
    draining_.clear();
}

Page StorageThread::query(std::string_view room, const Query& q, bool with_topic) {
    Page page;
    page.events = db_.select(room, q);
    if (with_topic) {
        page.topic = db_.topic(room);
    }
    return page;
}

void StorageThread::answer(std::vector<Read>& reads) {
    for (Read& r : reads) {
        Page page;
        try {
            page = query(r.room, r.query, r.with_topic);
        } catch (const std::exception& e) {
            stats_.errors.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("history read of {} failed: {}", r.room, e.what());
            page = Page{};
            page.failed = true;
        }
        stats_.reads.fetch_add(1, std::memory_order_relaxed);
        r.done(std::move(page));
    }
    reads.clear();
}

void StorageThread::retain() {
    if (options_.retain_messages == 0 && options_.retain_days <= 0) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_retention_ < retention_period) {
        return;
    }
    last_retention_ = now;
    try {
        std::size_t steps = 0;
        while (options_.retain_messages > 0 && !touched_.empty() && steps < retention_steps) {
            auto room = touched_.begin();
            ++steps;
            // A full step may have left more: the room stays for the next step.
            if (db_.trim_room(*room, options_.retain_messages, retention_step) < retention_step) {
                touched_.erase(room);
            }
        }
        if (options_.retain_days > 0) {
            const auto cutoff = std::chrono::system_clock::now() -
                                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                    std::chrono::duration<double>(options_.retain_days * 86400));
            const auto cutoff_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(cutoff.time_since_epoch())
                    .count();
            while (steps < retention_steps &&
                   db_.trim_older(cutoff_ms, retention_step) == retention_step) {
                ++steps;
            }
        }
    } catch (const std::exception& e) {
        stats_.errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("history retention failed: {}", e.what());
    }
}

}  // namespace parley::store
