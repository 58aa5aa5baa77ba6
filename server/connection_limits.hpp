#pragma once
// Connection counts, in all and per source address, and the guard that holds one slot.

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

namespace parley {

class ConnectionLimits {
  public:
    ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}

    std::size_t total() const { return total_; }
    std::size_t from(const std::string& address) const;

  private:
    friend class ConnectionSlot;
    std::size_t max_total_;
    std::size_t max_per_address_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_address_;
};

// Scoped guard: one counted connection. Check refused() right after construction; a refused
// slot counts nothing and releases nothing.
class ConnectionSlot {
  public:
    ConnectionSlot(ConnectionLimits& limits, std::string address);
    // Moves the slot into the session that holds it; the moved-from slot releases nothing.
    ConnectionSlot(ConnectionSlot&& other) noexcept;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot();

    // Empty when admitted, else the error code to tell the client (see docs/protocol.md).
    const char* refused() const { return refused_; }

  private:
    ConnectionLimits* limits_;  // null once moved from
    std::string address_;
    const char* refused_ = nullptr;
};

}  // namespace parley
