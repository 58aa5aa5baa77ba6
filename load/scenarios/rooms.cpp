// rooms: many rooms, every member publishing and receiving in its own.

#include <fmt/format.h>

#include "load/scenarios/scenario.hpp"

namespace parley::load {

namespace {

class Rooms : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol p) const override {
        // A Redis room's members publish through one shared connection (Layout::add_talker).
        const bool shared_publisher = !protocol_traits(p).subscriber_can_publish;
        return o.rooms * o.members + (shared_publisher && o.members > 0 ? o.rooms : 0);
    }
    void lay_out(Engine& e) override {
        // Often thousands of members: over Redis they share one publisher connection per room,
        // or 1000 rooms of 10 would not fit in 20,000 descriptors.
        Layout& l = e.layout();
        const ScenarioOptions& o = e.options();
        for (int r = 0; r < o.rooms; ++r) {
            const int room = l.add_room(fmt::format("{}r{}", e.room_prefix(), r));
            for (int i = 0; i < o.members; ++i) {
                l.add_talker(room, true);
            }
        }
    }
};

}  // namespace

std::unique_ptr<Scenario> make_rooms() {
    return std::make_unique<Rooms>();
}

}  // namespace parley::load
