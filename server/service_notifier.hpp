#pragma once
// Tells systemd how the service is doing (sd_notify(3)) when it runs as a Type=notify unit:
// ready once the listeners are bound, reloading around SIGHUP, stopping on shutdown, a status
// line, and the watchdog's keep-alives. Without $NOTIFY_SOCKET (not started by systemd, or by
// a unit of another type) every call does nothing.

#include <chrono>
#include <optional>
#include <string_view>

namespace parley::service {

// READY=1 with a STATUS= line: the listeners are bound and the server accepts clients.
void ready(std::string_view status);
// RELOADING=1 (with MONOTONIC_USEC, which systemd's notify-reload wants) as SIGHUP begins.
void reloading();
// STOPPING=1 with a STATUS= line, as shutdown begins.
void stopping(std::string_view status);
// A STATUS= line alone.
void status(std::string_view status);
// WATCHDOG=1: the event loop is turning.
void watchdog();
// How often to send watchdog(): half of $WATCHDOG_USEC when systemd set it for this process
// ($WATCHDOG_PID), else nothing.
std::optional<std::chrono::microseconds> watchdog_period();

}  // namespace parley::service
