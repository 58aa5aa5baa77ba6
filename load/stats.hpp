#pragma once
// The statistics of a run: a latency histogram and per-publisher sequence tracking.
//
// The histogram is log-linear (HDR style): exact below 256, then 128 linear sub-buckets per
// power of two, so any recorded value is reported within 1/128 (< 0.8 %) of itself. Recording
// is one bit scan and an increment; a run of a hundred million samples needs no sorting and a
// fixed 58 KiB.

#include <array>
#include <cstdint>
#include <vector>

namespace parley::load {

class Histogram {
  public:
    static constexpr int kSubBits = 7;
    static constexpr std::size_t kBuckets = (64 - kSubBits + 1) << kSubBits;

    Histogram() : counts_(kBuckets, 0) {}

    void record(std::uint64_t v) {
        ++counts_[index_of(v)];
        ++count_;
        sum_ += v;
        if (v > max_) {
            max_ = v;
        }
        if (v < min_) {
            min_ = v;
        }
    }

    void merge(const Histogram& other);
    void reset();

    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }

    // The smallest recorded value v (to the histogram's precision) such that at least
    // `percent` % of the samples are <= v. 0 when empty; the exact max for 100.
    std::uint64_t percentile(double percent) const;

    static std::size_t index_of(std::uint64_t v) {
        if (v < (2u << kSubBits)) {
            return static_cast<std::size_t>(v);
        }
        const int e = 63 - __builtin_clzll(v);
        const int shift = e - kSubBits;
        return (static_cast<std::size_t>(shift) << kSubBits) + static_cast<std::size_t>(v >> shift);
    }
    // The highest value that lands in bucket `i`.
    static std::uint64_t highest_in(std::size_t i);

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
};

// What one receiver saw of one publisher. TCP from a single server should deliver every
// message exactly once and in order; this counts every way that can fail.
//
// A message past the next expected one opens a gap, counted as lost until the missing ones
// arrive late (out of order). The last 64 sequence numbers below the next expected one are
// remembered in a bitmap, so a repeat among them is told apart from a late arrival; anything
// older is counted as out of order (it cannot be told apart cheaply and is a failure either way).
struct SeqTracker {
    std::uint64_t next = 0;    // the next sequence number expected
    std::uint64_t window = 0;  // bit i set: next-1-i was received
    std::uint64_t unique = 0;  // distinct messages received
    std::uint32_t duplicates = 0;
    std::uint32_t out_of_order = 0;
    std::uint64_t gaps = 0;  // messages skipped over and not (yet) received late
    bool started = false;

    enum class Result { in_order, gap, late, duplicate, old };

    // `from_first` makes the first message seen the start (for a receiver that joined after
    // the publisher started); otherwise sequence 0 is expected first.
    Result add(std::uint64_t seq, bool from_first = false);

    // Messages not received out of `sent` (the publisher's total): the open gaps plus the
    // tail that never arrived.
    std::uint64_t lost(std::uint64_t sent) const { return gaps + (sent > next ? sent - next : 0); }
};

}  // namespace parley::load
