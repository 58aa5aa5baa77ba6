// chatty: everyone in one room publishes and receives.

#include "load/scenarios/scenario.hpp"

namespace parley::load {

namespace {

class Chatty : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol p) const override {
        // A Redis member subscribes on one connection and publishes on another.
        return o.clients * (protocol_traits(p).subscriber_can_publish ? 1 : 2);
    }
    void lay_out(Engine& e) override {
        // About a hundred clients fit easily, so each Redis member keeps its own publisher
        // connection, like a Parley or NATS member: a shared one would let Redis read several
        // members' PUBLISHes with one read, a batching the other servers are not given.
        Layout& l = e.layout();
        const int room = l.add_room(e.room_prefix());
        for (int i = 0; i < e.options().clients; ++i) {
            l.add_talker(room, false);
        }
    }
};

}  // namespace

std::unique_ptr<Scenario> make_chatty() {
    return std::make_unique<Chatty>();
}

}  // namespace parley::load
