#pragma once
// A scenario: how it lays out rooms and clients, and how it runs its steps. The engine does
// the rest (connections, handshakes, publishing, checking, measuring, verdicts), so a new
// scenario is one small file here plus its line in registry.cpp.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "load/engine.hpp"
#include "load/sweep.hpp"

namespace parley::load {

// For scenarios that publish at --rate: one step at that rate, or with --sweep the sweep.
inline void run_at_rate(Engine& e) {
    if (e.options().sweep) {
        run_sweep(e);
    } else {
        e.result().steps.push_back(e.run_step(e.options().rate));
    }
}

class Scenario : public EngineHooks {
  public:
    // The connections lay_out() opens over protocol `p` (checked against the descriptor limit
    // before anything starts).
    virtual int connections(const ScenarioOptions& o, Protocol p) const = 0;
    // Adds the rooms, clients and publishers to e.layout().
    virtual void lay_out(Engine& e) = 0;
    // Connects, runs the steps and leaves their figures in e.result(). By default: once
    // everyone is connected, one step at --rate, or with --sweep the sweep.
    virtual void run(Engine& e) {
        if (e.connect_all()) {
            run_at_rate(e);
        }
    }
};

// Throws std::invalid_argument for an unknown name.
std::unique_ptr<Scenario> make_scenario(std::string_view name);
const std::vector<std::string>& scenario_names();

// The fanout layout, which slow and churn build on: --clients receivers in one room and
// --publishers publish-only clients (plus the self-test's external publishers). Returns the
// room.
int lay_out_fanout(Engine& e);

}  // namespace parley::load
