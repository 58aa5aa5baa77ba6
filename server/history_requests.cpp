#include "server/history_requests.hpp"

#include <algorithm>

#include "server/room.hpp"
#include "server/room_directory.hpp"
#include "server/store/history.hpp"

namespace parley {

namespace {

std::int64_t ms_of(const Event& e) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count();
}

// The index of the first event at or after `r` (a message or a moment); events are in id
// order and ids grow with time, as in the store.
std::size_t first_from(const std::deque<EventPtr>& h, const store::Ref& r) {
    const auto it = r.kind == store::Ref::Kind::id
                        ? std::partition_point(h.begin(), h.end(),
                                               [&](const EventPtr& e) { return e->id < r.id; })
                        : std::partition_point(h.begin(), h.end(), [&](const EventPtr& e) {
                              return ms_of(*e) < r.time_ms;
                          });
    return static_cast<std::size_t>(it - h.begin());
}

// The index of the first event after `r`.
std::size_t first_after(const std::deque<EventPtr>& h, const store::Ref& r) {
    const auto it = r.kind == store::Ref::Kind::id
                        ? std::partition_point(h.begin(), h.end(),
                                               [&](const EventPtr& e) { return e->id <= r.id; })
                        : std::partition_point(h.begin(), h.end(), [&](const EventPtr& e) {
                              return ms_of(*e) <= r.time_ms;
                          });
    return static_cast<std::size_t>(it - h.begin());
}

}  // namespace

std::vector<EventPtr> select_recent(const std::deque<EventPtr>& h, const store::Query& q) {
    std::size_t from = 0;
    std::size_t to = h.size();
    std::size_t limit = q.limit;
    bool oldest = q.oldest;
    std::vector<EventPtr> out;
    if (q.around.set()) {
        // limit / 2 before it, then the rest from it on.
        const std::size_t pivot = first_from(h, q.around);
        const std::size_t before = std::min(pivot, q.limit / 2);
        from = pivot - before;
        to = std::min(h.size(), pivot + (q.limit - before));
        limit = to - from;
        oldest = true;
    } else {
        if (q.after.set()) {
            from = first_after(h, q.after);
        }
        if (q.before.set()) {
            to = first_from(h, q.before);
        }
    }
    if (from >= to || limit == 0) {
        return out;
    }
    const std::size_t n = std::min(limit, to - from);
    const std::size_t start = oldest ? from : to - n;
    out.assign(h.begin() + static_cast<std::ptrdiff_t>(start),
               h.begin() + static_cast<std::ptrdiff_t>(start + n));
    return out;
}

HistoryRequests::HistoryRequests() : tokens_(history_rate, std::chrono::steady_clock::now()) {}

HistoryRequests::~HistoryRequests() {
    if (pending_) {
        pending_->alive = false;  // answers still on their way find nobody
    }
}

bool HistoryRequests::ask(RoomDirectory& rooms, const Room& room, store::Query q, Done done) {
    q.limit = std::min(q.limit, max_history_page);
    History* store = rooms.history();
    if (store == nullptr) {
        // History in memory only: the room's recent messages are all there is.
        done(select_recent(room.history(), q), false);
        return true;
    }
    if (!pending_) {
        pending_ = std::make_shared<Pending>();
    }
    ++pending_->waiting;
    const bool asked = store->select(
        room, q,
        [pending = pending_, done = std::move(done)](std::vector<EventPtr> page, bool failed) {
            --pending->waiting;
            if (pending->alive) {
                done(std::move(page), failed);
            }
        });
    if (!asked) {
        --pending_->waiting;
    }
    return asked;
}

}  // namespace parley
