#include "server/endpoint.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace parley {

using asio::ip::tcp;

tcp::endpoint parse_endpoint(const std::string& spec) {
    const std::size_t colon = spec.rfind(':');
    if (colon == std::string::npos || colon + 1 == spec.size()) {
        throw std::runtime_error(fmt::format("--listen {}: expected HOST:PORT", spec));
    }
    std::string host = spec.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(spec.substr(colon + 1), &used);
        if (used != spec.size() - colon - 1 || port > 65535) {
            throw std::invalid_argument("port");
        }
    } catch (const std::exception&) {
        throw std::runtime_error(fmt::format("--listen {}: the port must be 0..65535", spec));
    }
    asio::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("--listen {}: {} is not an IP address", spec, host.empty() ? "''" : host));
    }
    return {address, static_cast<unsigned short>(port)};
}

std::string describe(const tcp::endpoint& ep) {
    return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace parley
