// fanout: many receivers in one room, a few publish-only clients at a set rate each.

#include "load/scenarios/scenario.hpp"

namespace parley::load {

int lay_out_fanout(Engine& e) {
    Layout& l = e.layout();
    const ScenarioOptions& o = e.options();
    const int room = l.add_room(e.room_prefix());
    for (int i = 0; i < o.clients; ++i) {
        l.add_conn(room, true, true);
    }
    for (int i = 0; i < o.publishers; ++i) {
        l.add_publisher(room);
    }
    if (const ExternalPublishers* ext = e.external()) {
        for (int i = 0; i < ext->count; ++i) {
            l.add_pub(room, -1);
        }
    }
    return room;
}

namespace {

class Fanout : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol) const override {
        return o.clients + o.publishers;
    }
    void lay_out(Engine& e) override { lay_out_fanout(e); }
};

}  // namespace

std::unique_ptr<Scenario> make_fanout() {
    return std::make_unique<Fanout>();
}

}  // namespace parley::load
