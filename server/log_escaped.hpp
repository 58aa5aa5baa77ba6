#pragma once
// The completion handler for every co_spawn of the server. Not asio::detached, which would
// swallow an exception escaping a coroutine: it is logged instead, with what the coroutine was.

#include <spdlog/spdlog.h>
#include <exception>

namespace parley {

struct LogEscaped {
    const char* what;

    void operator()(std::exception_ptr e) const noexcept {
        if (!e) {
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("{} failed: {}", what, ex.what());
        } catch (...) {
            spdlog::error("{} failed with a non-standard exception", what);
        }
    }
};

inline constexpr LogEscaped log_escaped{"task"};

}  // namespace parley
