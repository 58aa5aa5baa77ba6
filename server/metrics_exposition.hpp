#pragma once
// /metrics: the server's metrics in Prometheus' text format. Counters come from Metrics;
// what exists now (connections, rooms, members, outbox bytes) is read off the state here, at
// scrape time, so that the message path pays nothing for it. Runs on the server's executor.
// docs/operations.md ("Metrics") lists every family and what moves it.

#include <cstddef>
#include <string>

namespace parley {

struct ServerState;

std::string expose_metrics(const ServerState& state, std::size_t http_connections);

}  // namespace parley
