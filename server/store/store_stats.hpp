#pragma once
// The history store's counters, for the metrics: written by the storage thread (and the event
// loop for the queue), readable from any thread at any time.

#include <atomic>
#include <cstdint>

namespace parley::store {

struct StoreStats {
    std::atomic<std::uint64_t> queue_depth{0};     // writes waiting for the storage thread now
    std::atomic<std::uint64_t> events_written{0};  // events committed to the database
    std::atomic<std::uint64_t> events_dropped{0};  // writes refused because the queue was full
    std::atomic<std::uint64_t> batches{0};         // transactions committed
    std::atomic<std::uint64_t> commit_ns_sum{0};   // time spent writing and committing batches
    std::atomic<std::uint64_t> commit_ns_max{0};
    std::atomic<std::uint64_t> reads{0};          // queries answered
    std::atomic<std::uint64_t> errors{0};         // batches or queries that failed
    std::atomic<std::uint64_t> thread_cpu_ns{0};  // the storage thread's CPU time so far
};

}  // namespace parley::store
