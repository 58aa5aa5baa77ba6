#pragma once
// The receive hot path: every delivery to a checked receiver is decoded, checked against the
// layout (right room, known publisher, not the receiver's own message where the server sends
// no echo) and against its publisher's sequence (lost, duplicated, out of order), and counted
// and timed. No allocation: one decode, one tracker update, one histogram add.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "load/layout.hpp"
#include "load/payload.hpp"
#include "load/stats.hpp"

namespace parley::load {

// What the measurement counts, wherever it is seen (deliveries here, publishes by the
// engine's pacing, bytes by its reads).
struct Counters {
    // The measured window: only what happens while it is open counts towards the rates.
    bool in_window = false;
    std::uint64_t win_deliveries = 0, win_published = 0, win_bytes = 0;
    // Messages sent in [lat_from, lat_to) have their latency recorded, even when they arrive
    // after the window closed.
    std::uint64_t lat_from = UINT64_MAX, lat_to = UINT64_MAX;
    Histogram hist;
    // Since the last progress line.
    std::uint64_t interval_deliveries = 0, interval_published = 0, interval_hist_max = 0;
    // Integrity, over the whole run (steps take differences).
    std::uint64_t duplicated = 0, out_of_order = 0, misrouted = 0, corrupt = 0;
    std::uint64_t last_delivery = 0;
};

class DeliveryCheck {
  public:
    DeliveryCheck(Layout& layout, Counters& counters, std::size_t payload_size)
        : layout_(layout), n_(counters), size_(payload_size), echo_(layout.echo()) {}

    void on_payload(Conn& c, std::string_view room, std::string_view bytes, std::uint64_t now) {
        if (!c.receives) {
            return;
        }
        if (n_.in_window) {
            ++n_.win_deliveries;
        }
        ++n_.interval_deliveries;
        const auto p = decode_payload(bytes);
        if (!p || bytes.size() != size_) {
            ++n_.corrupt;
            return;
        }
        const auto& pubs = layout_.pubs;
        if (p->publisher >= pubs.size() || pubs[p->publisher].room != c.room ||
            room != layout_.rooms[c.room].name ||
            (!echo_ && static_cast<int>(p->publisher) == c.self_pub)) {
            ++n_.misrouted;
            return;
        }
        switch (c.trackers[pubs[p->publisher].local].add(p->seq)) {
            case SeqTracker::Result::in_order:
            case SeqTracker::Result::gap:
                ++c.unique;
                break;
            case SeqTracker::Result::late:
                ++c.unique;
                ++n_.out_of_order;
                break;
            case SeqTracker::Result::duplicate:
                ++n_.duplicated;
                return;
            case SeqTracker::Result::old:
                ++n_.out_of_order;
                return;
        }
        n_.last_delivery = now;
        if (p->sent_ns >= n_.lat_from && p->sent_ns < n_.lat_to) {
            const std::uint64_t lat = now > p->sent_ns ? now - p->sent_ns : 0;
            n_.hist.record(lat);
            n_.interval_hist_max = std::max(n_.interval_hist_max, lat);
        }
    }

    // Whether every receiver still connected has everything its room's publishers sent.
    bool all_delivered() const;
    // Messages not (yet) received, summed over the receivers still connected.
    std::uint64_t lost_total() const;

  private:
    Layout& layout_;
    Counters& n_;
    std::size_t size_;
    bool echo_;
};

}  // namespace parley::load
