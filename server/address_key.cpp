#include "server/address_key.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace parley {

std::string address_key(std::string_view address, unsigned ipv6_prefix) {
    // inet_pton wants a terminated string; an address is at most INET6_ADDRSTRLEN long, and a
    // scoped one ("fe80::1%eth0") is no address to it: it stays its own key.
    char text[INET6_ADDRSTRLEN] = {};
    if (address.size() >= sizeof text) {
        return std::string(address);
    }
    std::memcpy(text, address.data(), address.size());
    in6_addr v6{};
    if (inet_pton(AF_INET6, text, &v6) != 1) {
        return std::string(address);  // IPv4, or not an address
    }
    char out[INET6_ADDRSTRLEN] = {};
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        in_addr v4{};
        std::memcpy(&v4, &v6.s6_addr[12], 4);
        return inet_ntop(AF_INET, &v4, out, sizeof out) ? std::string(out) : std::string(address);
    }
    const unsigned prefix = std::clamp(ipv6_prefix, 1u, 128u);
    for (unsigned bit = prefix; bit < 128; ++bit) {
        v6.s6_addr[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
    }
    if (!inet_ntop(AF_INET6, &v6, out, sizeof out)) {
        return std::string(address);
    }
    return fmt::format("{}/{}", out, prefix);
}

}  // namespace parley
