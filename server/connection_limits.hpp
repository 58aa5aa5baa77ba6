#pragma once
// Connection counts, in all and per source address, and the guard that holds one slot.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "server/metrics.hpp"

namespace parley {

class ConnectionLimits {
  public:
    ConnectionLimits(std::size_t max_total, std::size_t max_per_address, unsigned ipv6_prefix)
        : max_total_(max_total), max_per_address_(max_per_address), ipv6_prefix_(ipv6_prefix) {}

    // Connections counted now.
    std::size_t connections() const { return total_; }

    // New limits (SIGHUP): they decide the next admissions; nobody connected is dropped.
    // A new --ipv6-prefix groups the next admissions; those connected stay counted under the
    // key they were admitted with (each slot releases its own).
    void set_limits(std::size_t max_total, std::size_t max_per_address, unsigned ipv6_prefix) {
        max_total_ = max_total;
        max_per_address_ = max_per_address;
        ipv6_prefix_ = ipv6_prefix;
    }

  private:
    friend class ConnectionSlot;
    std::size_t max_total_;
    std::size_t max_per_address_;
    unsigned ipv6_prefix_;  // IPv6 clients are counted by network (see address_key)
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_address_;
};

// Scoped guard: one counted connection, counted under address_key(address, --ipv6-prefix), held in
// the session coroutine's frame. Check refused() right after construction; a refused slot counts
// nothing and releases nothing.
class ConnectionSlot {
  public:
    ConnectionSlot(ConnectionLimits& limits, const std::string& address);
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();

    // Empty when admitted, else the error code to tell the client (see docs/protocol.md).
    const char* refused() const { return refused_; }
    // The same, as metrics count it (only when refused).
    Refusal refusal() const {
        return std::string_view(refused_) == "server-full" ? Refusal::server_full
                                                           : Refusal::address_limit;
    }

  private:
    ConnectionLimits& limits_;
    // This address's entry in the limits' map (entries never move); finding it again by its
    // own key on release allocates nothing.
    std::pair<const std::string, std::size_t>* count_ = nullptr;
    const char* refused_ = nullptr;
};

}  // namespace parley
