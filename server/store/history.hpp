#pragma once
// The server's side of the history store: rooms hand it their messages and topics as they
// happen, a room created (again) asks it for what it had, and /history asks it for earlier
// pages. It turns events into records and back, and brings the storage thread's answers back
// to the event loop; everything here runs on the loop's executor, and only the StorageThread
// it owns touches the disk.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/event.hpp"
#include "server/store/storage_thread.hpp"

namespace parley {

class Room;
class RoomDirectory;

class History {
  public:
    // Runs a function on the event loop (asio::post to its executor), from any thread.
    using Post = std::function<void(std::function<void()>)>;

    // Opens the store (throws store::StoreError), reads `directory`'s lobby back, and starts the
    // storage thread. `recent` is --history: how many messages a room gets back.
    History(store::StoreOptions options, RoomDirectory& directory, std::size_t recent, Post post);
    // Writes what is queued and stops the storage thread.
    ~History();

    // The highest message id stored: new ids go on from there.
    std::uint64_t last_id() const { return thread_.max_id(); }

    // A room's message, action or notice, and its topic as it was just set.
    void keep(const Event& e);
    void keep_topic(const Room& room);

    // Asks for what `room`, just created, had: its last messages and its topic, given to
    // Room::restore on the loop if the same room still exists then.
    void restore(Room& room);

    // The messages of `room` that `q` asks for (store/query.hpp), oldest first, to `done` on
    // the loop (failed if the query failed or the room is gone meanwhile). False if the store
    // cannot take the request now.
    using PageDone = std::function<void(std::vector<EventPtr>, bool failed)>;
    bool select(const Room& room, const store::Query& q, PageDone done);

    const store::StoreStats& stats() const { return thread_.stats(); }
    // Stops the storage thread after it wrote what is queued; nothing is kept after this.
    void stop() { thread_.stop(); }

  private:
    store::StorageThread thread_;
    RoomDirectory& directory_;
    std::size_t recent_;
    Post post_;
};

// An event of `room` made from a stored record, with its original id and time.
EventPtr replayed(const store::Record& r, const Room& room);

}  // namespace parley
