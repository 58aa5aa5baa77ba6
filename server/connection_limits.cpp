#include "server/connection_limits.hpp"

namespace parley {

std::size_t ConnectionLimits::from(const std::string& address) const {
    auto it = per_address_.find(address);
    return it == per_address_.end() ? 0 : it->second;
}

ConnectionSlot::ConnectionSlot(ConnectionLimits& limits, std::string address)
    : limits_(&limits), address_(std::move(address)) {
    if (limits.max_total_ != 0 && limits.total_ >= limits.max_total_) {
        refused_ = "server-full";
        return;
    }
    std::size_t& mine = limits.per_address_[address_];
    if (limits.max_per_address_ != 0 && mine >= limits.max_per_address_) {
        if (mine == 0) {
            limits.per_address_.erase(address_);
        }
        refused_ = "address-limit";
        return;
    }
    ++mine;
    ++limits.total_;
}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : limits_(std::exchange(other.limits_, nullptr)),
      address_(std::move(other.address_)),
      refused_(other.refused_) {}

ConnectionSlot::~ConnectionSlot() {
    if (limits_ == nullptr || refused_ != nullptr) {
        return;
    }
    --limits_->total_;
    auto it = limits_->per_address_.find(address_);
    if (--it->second == 0) {
        limits_->per_address_.erase(it);
    }
}

}  // namespace parley
