#include "server/service_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <string>

namespace parley::service {

namespace {

void notify(const std::string& state) {
    // unset_environment = 0: the variables stay for anything started later (there is nothing
    // such), and a failure to reach systemd only costs its knowing.
    const int r = sd_notify(0, state.c_str());
    if (r < 0) {
        spdlog::debug("sd_notify failed: {}", -r);
    }
}

}  // namespace

void ready(std::string_view text) {
    notify(fmt::format("READY=1\nSTATUS={}", text));
}

void reloading() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    notify(fmt::format("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC={}", usec));
}

void stopping(std::string_view text) {
    notify(fmt::format("STOPPING=1\nSTATUS={}", text));
}

void status(std::string_view text) {
    notify(fmt::format("STATUS={}", text));
}

void watchdog() {
    notify("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_period() {
    std::uint64_t usec = 0;
    // > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID, if set, is this process.
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return std::nullopt;
    }
    return std::chrono::microseconds(usec / 2);
}

}  // namespace parley::service
