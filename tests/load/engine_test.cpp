#include <catch2/catch.hpp>

#include "load/run.hpp"
#include "load/source_address.hpp"

using parley::load::connections_needed;
using parley::load::Protocol;
using parley::load::ScenarioOptions;
using parley::load::source_index;

TEST_CASE("load connections: a Redis room's members share one publisher connection") {
    ScenarioOptions o;
    o.scenario = "rooms";
    o.rooms = 1000;
    o.members = 10;
    // 10,000 subscribers and 1,000 publisher connections: within 20,000 descriptors.
    REQUIRE(connections_needed(o, Protocol::redis) == 11000);
    REQUIRE(connections_needed(o, Protocol::parley) == 10000);
    REQUIRE(connections_needed(o, Protocol::nats) == 10000);
    o.members = 0;  // no members, no publisher connection either
    REQUIRE(connections_needed(o, Protocol::redis) == 0);
}

TEST_CASE("load connections: a chatty Redis member keeps its own publisher connection") {
    ScenarioOptions o;
    o.scenario = "chatty";
    o.clients = 100;
    REQUIRE(connections_needed(o, Protocol::redis) == 200);
    REQUIRE(connections_needed(o, Protocol::parley) == 100);
}

TEST_CASE("load sources: --sources spreads connections round robin") {
    ScenarioOptions o;
    o.scenario = "rooms";
    o.rooms = 1800;
    o.members = 10;
    o.sources = 4;
    const int needed = connections_needed(o, Protocol::parley);
    for (std::uint64_t n = 0; n < 8; ++n) {
        REQUIRE(source_index(o.sources, needed, n, 25000) == static_cast<int>(n % 4));
    }
}

TEST_CASE("load sources: one address until a scenario needs more than it holds") {
    ScenarioOptions o;
    o.scenario = "idle";
    o.clients = 20000;
    // the system's choice
    REQUIRE(source_index(0, connections_needed(o, Protocol::parley), 0, 25000) == -1);
    o.clients = 60000;
    const int needed = connections_needed(o, Protocol::parley);
    REQUIRE(source_index(0, needed, 0, 25000) == 0);
    REQUIRE(source_index(0, needed, 24999, 25000) == 0);
    REQUIRE(source_index(0, needed, 25000, 25000) == 1);
    REQUIRE(source_index(0, needed, 59999, 25000) == 2);
}
