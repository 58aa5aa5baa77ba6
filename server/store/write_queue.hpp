#pragma once
// The writes waiting for the storage thread: a bounded array of slots whose strings keep their
// capacity from one use to the next, so queueing an event on the event loop copies its bytes
// and, once the slots have grown, allocates nothing. The loop fills one queue while the
// storage thread writes out the other; they swap under the store's mutex.

#include <cstddef>
#include <string_view>
#include <vector>

#include "server/store/record.hpp"

namespace parley::store {

struct Write {
    enum class Op : std::uint8_t { event, topic } op = Op::event;
    Record record;  // for a topic: room, text, nick (the setter) and time_ms
};

class WriteQueue {
  public:
    std::size_t size() const { return used_; }
    bool empty() const { return used_ == 0; }
    // The next slot, reused: assign its fields (std::string::assign keeps the capacity).
    Write& push() {
        if (used_ == slots_.size()) {
            slots_.emplace_back();
        }
        return slots_[used_++];
    }
    const Write* begin() const { return slots_.data(); }
    const Write* end() const { return slots_.data() + used_; }
    // Empties the queue, keeping the slots; a slot that once held a long text gives its
    // memory back, so a burst of long lines does not stay allocated.
    void clear() {
        for (std::size_t i = 0; i < used_; ++i) {
            std::string& text = slots_[i].record.text;
            if (text.capacity() > 1024) {
                std::string().swap(text);
            }
        }
        used_ = 0;
    }

  private:
    std::vector<Write> slots_;
    std::size_t used_ = 0;
};

}  // namespace parley::store
