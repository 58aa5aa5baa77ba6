#pragma once
// What --max-per-address counts connections by: the client's address, or for IPv6 its
// network of --ipv6-prefix bits, since one IPv6 subscriber commonly holds a whole /64 (and
// billions of addresses to connect from).

#include <string>
#include <string_view>

namespace parley {

// The key of a textual address as Asio prints it: IPv4 as it is; IPv4-mapped IPv6
// ("::ffff:192.0.2.1", a dual-stack listener's IPv4 clients) as the IPv4 address it carries,
// so both listeners count an IPv4 client alike; other IPv6 as its first `ipv6_prefix` bits
// (1..128, larger is taken as 128) with the rest zeroed, followed by "/N" ("2001:db8::/64").
// Text that is no address (none should come from the kernel) is its own key.
std::string address_key(std::string_view address, unsigned ipv6_prefix);

}  // namespace parley
