#include <catch2/catch.hpp>

#include <optional>

#include "server/connection_limits.hpp"

using parley::ConnectionLimits;
using parley::ConnectionSlot;

TEST_CASE("ConnectionSlot counts IPv6 clients by their --ipv6-prefix network",
          "[connection_limits]") {
    ConnectionLimits limits(0, 2, 64);
    ConnectionSlot a(limits, "2001:db8:1::a");
    ConnectionSlot b(limits, "2001:db8:1::b");
    CHECK_FALSE(a.refused());
    CHECK_FALSE(b.refused());
    {
        ConnectionSlot c(limits, "2001:db8:1:0:ffff::c");  // the same /64: over the limit
        REQUIRE(c.refused());
        CHECK(c.refusal() == parley::Refusal::address_limit);
    }
    ConnectionSlot other(limits, "2001:db8:2::a");  // another /64
    CHECK_FALSE(other.refused());
    ConnectionSlot v4(limits, "192.0.2.1");
    ConnectionSlot mapped(limits, "::ffff:192.0.2.1");  // the same IPv4 client
    CHECK_FALSE(v4.refused());
    CHECK_FALSE(mapped.refused());
    ConnectionSlot mapped_again(limits, "::ffff:192.0.2.1");
    CHECK(mapped_again.refused());
    CHECK(limits.connections() == 5);
}

TEST_CASE("A new --ipv6-prefix decides the next admissions; slots release what they counted",
          "[connection_limits]") {
    ConnectionLimits limits(0, 1, 64);
    std::optional<ConnectionSlot> a(std::in_place, limits, "2001:db8:1::a");
    CHECK_FALSE(a->refused());
    CHECK(ConnectionSlot(limits, "2001:db8:1::b").refused());
    limits.set_limits(0, 1, 128);  // SIGHUP: every address apart
    std::optional<ConnectionSlot> b(std::in_place, limits, "2001:db8:1::b");
    CHECK_FALSE(b->refused());
    CHECK(limits.connections() == 2);
    // The slot taken under /64 releases its /64 count: after both go, nothing is left, and
    // the /64's key admits again when the prefix goes back.
    a.reset();
    b.reset();
    CHECK(limits.connections() == 0);
    limits.set_limits(0, 1, 64);
    ConnectionSlot c(limits, "2001:db8:1::c");
    CHECK_FALSE(c.refused());
}
