#include "load/stats.hpp"

#include <algorithm>
#include <cmath>

namespace parley::load {

void Histogram::merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

void Histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    sum_ = 0;
    max_ = 0;
    min_ = UINT64_MAX;
}

std::uint64_t Histogram::highest_in(std::size_t i) {
    if (i < (2u << kSubBits)) {
        return i;
    }
    const std::size_t shift = (i >> kSubBits) - 1;
    const std::uint64_t mantissa = i - (shift << kSubBits);
    return ((mantissa + 1) << shift) - 1;
}

std::uint64_t Histogram::percentile(double percent) const {
    if (count_ == 0) {
        return 0;
    }
    if (percent >= 100.0) {
        return max_;
    }
    auto rank =
        static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(highest_in(i), max_);
        }
    }
    return max_;
}

SeqTracker::Result SeqTracker::add(std::uint64_t seq, bool from_first) {
    if (!started) {
        started = true;
        if (from_first) {
            next = seq;
        }
    }
    if (seq == next) {
        window = (window << 1) | 1;
        ++next;
        ++unique;
        return Result::in_order;
    }
    if (seq > next) {
        const std::uint64_t skipped = seq - next;
        gaps += skipped;
        // Shift in the skipped ones as not received, then this one as received.
        window = skipped >= 63 ? 1 : ((window << (skipped + 1)) | 1);
        next = seq + 1;
        ++unique;
        return Result::gap;
    }
    const std::uint64_t back = next - 1 - seq;  // bit index of seq in the window
    if (back < 64) {
        const std::uint64_t bit = 1ull << back;
        if (window & bit) {
            ++duplicates;
            return Result::duplicate;
        }
        window |= bit;
        ++out_of_order;
        if (gaps > 0) {
            --gaps;
        }
        ++unique;
        return Result::late;
    }
    ++out_of_order;
    return Result::old;
}

}  // namespace parley::load
