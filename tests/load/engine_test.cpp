#include <catch2/catch.hpp>

#include "load/engine.hpp"

using parley::load::connections_needed;
using parley::load::Protocol;
using parley::load::ScenarioOptions;

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
