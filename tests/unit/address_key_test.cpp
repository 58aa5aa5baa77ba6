#include <catch2/catch.hpp>

#include <string>

#include "server/address_key.hpp"

using parley::address_key;

TEST_CASE("address_key: IPv4 addresses are counted one by one", "[address_key]") {
    CHECK(address_key("192.0.2.1", 64) == "192.0.2.1");
    CHECK(address_key("192.0.2.2", 64) != address_key("192.0.2.1", 64));
    CHECK(address_key("127.0.0.1", 1) == "127.0.0.1");  // the prefix is IPv6's alone
}

TEST_CASE("address_key: IPv4-mapped IPv6 counts as the IPv4 address", "[address_key]") {
    CHECK(address_key("::ffff:192.0.2.1", 64) == "192.0.2.1");
    CHECK(address_key("::ffff:192.0.2.1", 64) == address_key("192.0.2.1", 64));
    CHECK(address_key("::ffff:192.0.2.2", 64) != address_key("::ffff:192.0.2.1", 64));
}

TEST_CASE("address_key: IPv6 addresses are counted by their network", "[address_key]") {
    // Two addresses of one /64: one key; of two /64s: two.
    CHECK(address_key("2001:db8:1:2:aaaa::1", 64) == "2001:db8:1:2::/64");
    CHECK(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff", 64) == "2001:db8:1:2::/64");
    CHECK(address_key("2001:db8:1:3::1", 64) == "2001:db8:1:3::/64");
    // Other prefixes, including ones that do not end on a byte or a group.
    CHECK(address_key("2001:db8:1:2::1", 48) == "2001:db8:1::/48");
    CHECK(address_key("2001:db8:1:ff::1", 56) == "2001:db8:1::/56");
    CHECK(address_key("2001:db8:1:1ff::1", 56) == "2001:db8:1:100::/56");
    CHECK(address_key("2001:db8:1:2::1", 61) == "2001:db8:1::/61");
    CHECK(address_key("2001:db8:1:f::1", 61) == "2001:db8:1:8::/61");
    CHECK(address_key("ffff::1", 1) == "8000::/1");
    // 128: every address apart.
    CHECK(address_key("2001:db8::1", 128) == "2001:db8::1/128");
    CHECK(address_key("2001:db8::2", 128) != address_key("2001:db8::1", 128));
    CHECK(address_key("::1", 64) == "::/64");
    // Out of range: 0 is taken as 1, more than 128 as 128.
    CHECK(address_key("2001:db8::1", 0) == "::/1");
    CHECK(address_key("2001:db8::1", 200) == "2001:db8::1/128");
}

TEST_CASE("address_key: text that is no address is its own key", "[address_key]") {
    CHECK(address_key("", 64) == "");
    CHECK(address_key("not an address", 64) == "not an address");
    CHECK(address_key("fe80::1%eth0", 64) == "fe80::1%eth0");
    const std::string longer(200, '1');
    CHECK(address_key(longer, 64) == longer);
}
