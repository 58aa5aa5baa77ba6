#pragma once
// A message is the finished wire bytes of one or more lines, built once and shared by every
// recipient: a broadcast to a thousand members costs one allocation and a thousand
// reference-count increments, never a copy per recipient. Immutable once built, so sharing
// needs no synchronisation.

#include <memory>
#include <string>

namespace parley {

using Message = std::shared_ptr<const std::string>;

inline Message make_message(std::string bytes) {
    return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace parley
