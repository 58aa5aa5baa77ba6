// Every scenario by name.

#include <stdexcept>

#include "load/scenarios/scenario.hpp"

namespace parley::load {

std::unique_ptr<Scenario> make_fanout();
std::unique_ptr<Scenario> make_chatty();
std::unique_ptr<Scenario> make_rooms();
std::unique_ptr<Scenario> make_idle();
std::unique_ptr<Scenario> make_churn();
std::unique_ptr<Scenario> make_slow();

namespace {

struct Entry {
    std::string_view name;
    std::unique_ptr<Scenario> (*make)();
};

constexpr Entry kScenarios[] = {
    {"fanout", make_fanout}, {"chatty", make_chatty}, {"rooms", make_rooms},
    {"idle", make_idle},     {"churn", make_churn},   {"slow", make_slow},
};

}  // namespace

std::unique_ptr<Scenario> make_scenario(std::string_view name) {
    for (const auto& e : kScenarios) {
        if (e.name == name) {
            return e.make();
        }
    }
    throw std::invalid_argument("unknown scenario: " + std::string(name));
}

const std::vector<std::string>& scenario_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& e : kScenarios) {
            v.emplace_back(e.name);
        }
        return v;
    }();
    return names;
}

}  // namespace parley::load
