#include "load/run.hpp"

#include "load/engine.hpp"
#include "load/scenarios/scenario.hpp"

namespace parley::load {

RunResult run_scenario(const Target& target, const ScenarioOptions& options,
                       const ExternalPublishers* external) {
    const auto scenario = make_scenario(options.scenario);
    Engine e(target, options, external, *scenario);
    scenario->lay_out(e);
    e.prepare();
    scenario->run(e);
    e.finish();
    return std::move(e.result());
}

int connections_needed(const ScenarioOptions& o, Protocol p) {
    return make_scenario(o.scenario)->connections(o, p);
}

}  // namespace parley::load
