#pragma once
// A message is the finished wire bytes of one or more lines, built once and shared by every
// recipient: a broadcast to a thousand members costs one allocation and a thousand
// reference-count increments, never a copy per recipient. Immutable once built, so sharing
// needs no synchronisation.

#include <cstdint>
#include <memory>
#include <string>

namespace parley {

// The bytes of a message, and how many outboxes hold it now. The count is the one mutable
// part: the outbox budget (OutboxBudget) counts a message's memory once, when the first outbox
// takes it, and lets go of it when the last one drops it, however many recipients share it.
// Only the executor that owns the outboxes touches it (the server has one; a sharded server
// would build its messages per shard).
struct MessageBytes : std::string {
    explicit MessageBytes(std::string bytes) : std::string(std::move(bytes)) {}
    mutable std::uint32_t outboxes = 0;
};

using Message = std::shared_ptr<const MessageBytes>;

inline Message make_message(std::string bytes) {
    return std::make_shared<const MessageBytes>(std::move(bytes));
}

}  // namespace parley
