#include "server/metrics.hpp"

namespace parley {

std::string_view name(Refusal r) {
    switch (r) {
        case Refusal::server_full:
            return "server-full";
        case Refusal::address_limit:
            return "address-limit";
        case Refusal::tls_handshake:
            return "tls-handshake";
        case Refusal::shutting_down:
            return "shutting-down";
        case Refusal::gone:
            return "gone";
        case Refusal::count:
            break;
    }
    return "unknown";
}

std::string_view name(Ending e) {
    switch (e) {
        case Ending::quit:
            return "quit";
        case Ending::closed:
            return "closed";
        case Ending::reset:
            return "reset";
        case Ending::error:
            return "error";
        case Ending::idle:
            return "idle";
        case Ending::ping_timeout:
            return "ping-timeout";
        case Ending::registration_timeout:
            return "registration-timeout";
        case Ending::flood:
            return "flood";
        case Ending::protocol:
            return "protocol-error";
        case Ending::strikes:
            return "strikes";
        case Ending::killed:
            return "killed";
        case Ending::evicted:
            return "evicted";
        case Ending::linger:
            return "linger";
        case Ending::shutdown:
            return "shutdown";
        case Ending::count:
            break;
    }
    return "unknown";
}

void Metrics::refused_line(Protocol p, std::string_view code) {
    auto& counts = of(p).refused_lines;
    auto it = counts.find(code);
    if (it == counts.end()) {
        it = counts.emplace(std::string(code), 0).first;
    }
    ++it->second;
}

}  // namespace parley
