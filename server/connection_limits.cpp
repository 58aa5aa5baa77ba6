#include "server/connection_limits.hpp"

#include "server/address_key.hpp"

namespace parley {

ConnectionSlot::ConnectionSlot(ConnectionLimits& limits, const std::string& address)
    : limits_(limits) {
    if (limits.max_total_ != 0 && limits.total_ >= limits.max_total_) {
        refused_ = "server-full";
        return;
    }
    auto [it, inserted] =
        limits.per_address_.try_emplace(address_key(address, limits.ipv6_prefix_), 0);
    if (limits.max_per_address_ != 0 && it->second >= limits.max_per_address_) {
        refused_ = "address-limit";
        return;
    }
    ++it->second;
    ++limits.total_;
    count_ = &*it;
}

ConnectionSlot::~ConnectionSlot() {
    if (refused_ != nullptr) {
        return;
    }
    --limits_.total_;
    if (--count_->second == 0) {
        limits_.per_address_.erase(limits_.per_address_.find(count_->first));
    }
}

}  // namespace parley
