#pragma once
// The completion handler for every co_spawn of the server. Not asio::detached, which would
// swallow an exception escaping a coroutine: it is logged instead.

#include <spdlog/spdlog.h>
#include <exception>

namespace parley {

inline void log_escaped(std::exception_ptr e) {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("task failed: {}", ex.what());
    } catch (...) {
        spdlog::error("task failed with a non-standard exception");
    }
}

}  // namespace parley
