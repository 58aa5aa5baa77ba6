#pragma once
// One client's requests for a room's earlier messages: /history on the plain side, CHATHISTORY
// on IRC. Both front ends go through this one piece, so both have the same bounds:
//   - at most max_history_page messages a request (a larger ask is cut to it);
//   - history_rate a client, whatever --rate allows (a database query costs more than a line);
// and the same answers: from the history store when the server has one (answered later, on
// the loop), else from the room's recent messages in memory (--data-dir none; answered at
// once), read by the same store::Query either way.
//
// A front end owns one. An answer still on its way when the front end (and this) is
// destroyed finds nobody and is dropped.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "server/event.hpp"
#include "server/store/query.hpp"
#include "shared/command.hpp"
#include "shared/rate_limiter.hpp"

namespace parley {

class Room;
class RoomDirectory;

// The most messages one request returns (ISUPPORT CHATHISTORY= on IRC).
inline constexpr std::size_t max_history_page = cmd::max_history_page;

// How often a client may ask: twenty at once, then one a second. Twenty, so that an IRC client
// that fetches the latest messages of every channel it joins on connecting (one CHATHISTORY
// each) is not refused for a usual number of channels; each request is bounded, and served off
// the event loop by the storage thread.
inline constexpr double history_burst = 20;
inline const TokenBucket::Rate history_rate{1, history_burst};

// The messages of `history` (a room's recent messages, oldest first) that `q` asks for, oldest
// first: the in-memory twin of store::HistoryDb::select.
std::vector<EventPtr> select_recent(const std::deque<EventPtr>& history, const store::Query& q);

class HistoryRequests {
  public:
    using Done = std::function<void(std::vector<EventPtr> page, bool failed)>;

    HistoryRequests();
    ~HistoryRequests();
    HistoryRequests(const HistoryRequests&) = delete;
    HistoryRequests& operator=(const HistoryRequests&) = delete;

    // Takes one request from the client's allowance; false if it asks too often.
    bool allowed(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        return tokens_.try_take(history_rate, now);
    }

    // Answers `q` (its limit cut to max_history_page) about `room`: `done` is called on the loop,
    // at once when the history is in memory. False (and `done` never called) if the store
    // cannot take the request now.
    bool ask(RoomDirectory& rooms, const Room& room, store::Query q, Done done);

    // Requests asked of the store and not answered yet.
    std::size_t waiting() const { return pending_ ? pending_->waiting : 0; }

  private:
    // Shared with the answers on their way: they count themselves off, and find their asker
    // gone through `alive`. Made on the first request to the store: an idle client holds none.
    struct Pending {
        std::size_t waiting = 0;
        bool alive = true;
    };
    std::shared_ptr<Pending> pending_;
    TokenBucket tokens_;
};

}  // namespace parley
