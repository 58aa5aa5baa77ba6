// The outbox budget on its own: what it counts (each message once, however many outboxes hold
// it; queue storage; writers' copies), that it gives everything back, and whom it evicts past
// its limit (the furthest behind first, nobody who is not behind). And the memory limit the
// default budget is a quarter of.

#include "server/outbox_budget.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "server/memory_limit.hpp"
#include "server/outbox.hpp"

using parley::make_message;
using parley::Message;
using parley::Outbox;
using parley::OutboxBudget;
using parley::WakeQueue;

namespace {

std::vector<void*> evicted;

// As Session::evict_over_budget does: the client goes, its outbox closes.
void record_eviction(void* owner) noexcept {
    evicted.push_back(owner);
    static_cast<Outbox*>(owner)->close();
}

constexpr std::size_t slot = sizeof(Message);

}  // namespace

TEST_CASE("budget: a message shared by many outboxes counts once", "[outbox][budget]") {
    WakeQueue wakes;
    const OutboxBudget& budget = wakes.budget();
    Outbox a(wakes, 0), b(wakes, 0), c(wakes, 0);
    const Message shared = make_message(std::string(1000, 's'));
    const std::size_t cost = OutboxBudget::cost(*shared);
    CHECK(cost >= 1000 + 64);
    for (Outbox* box : {&a, &b, &c}) {
        REQUIRE(box->offer(shared));
    }
    // One message, three rings of the first capacity.
    const std::size_t rings = 3 * parley::RingQueue<Message>::first_capacity * slot;
    CHECK(budget.held() == cost + rings);
    CHECK(shared->outboxes == 3);
    // Queued is not behind: nobody's socket refused anything yet.
    CHECK(budget.behind() == 0);

    // A private message counts for its one holder.
    const Message own = make_message(std::string(500, 'p'));
    REQUIRE(a.offer(own));
    CHECK(budget.held() == cost + OutboxBudget::cost(*own) + rings);

    // Taken by two writers: still held by the third.
    std::string out;
    a.take(out, 1 << 20);
    b.take(out, 1 << 20);
    CHECK(shared->outboxes == 1);
    CHECK(budget.held() == cost + parley::RingQueue<Message>::first_capacity * slot);
    // The sockets took part: a and b are behind until their writers report the rest written.
    a.copy_held(0);
    b.copy_held(0);
    CHECK(budget.behind() == 2);
    a.written(1500);
    CHECK(budget.behind() == 1);
    b.written(1000);
    CHECK(budget.behind() == 0);
    c.close();
    CHECK(budget.held() == 0);
    CHECK(budget.behind() == 0);
    CHECK(shared->outboxes == 0);
}

TEST_CASE("budget: a writer's copy counts until written or closed", "[outbox][budget]") {
    WakeQueue wakes;
    const OutboxBudget& budget = wakes.budget();
    {
        Outbox box(wakes, 0);
        box.copy_held(4096);
        CHECK(budget.held() == 4096);
        box.copy_released();
        CHECK(budget.held() == 0);
        box.copy_held(100);
        box.close();
        CHECK(budget.held() == 0);
        box.copy_held(100);  // after the close: the writer is ending, nothing is counted
        CHECK(budget.held() == 0);
    }
    {
        Outbox box(wakes, 0);
        REQUIRE(box.offer(make_message("queued\n")));
        box.copy_held(50);
    }  // destroyed with a queue and a copy: everything is given back
    CHECK(budget.held() == 0);
    CHECK(budget.behind() == 0);
}

TEST_CASE("budget: past its limit, the furthest behind go first", "[outbox][budget]") {
    WakeQueue wakes;
    OutboxBudget& budget = wakes.budget();
    budget.on_evict(&record_eviction);
    evicted.clear();
    Outbox quiet(wakes, 0), near(wakes, 0), far(wakes, 0), further(wakes, 0);
    for (Outbox* box : {&quiet, &near, &far, &further}) {
        box->set_owner(box);
    }
    // As a writer whose socket is full: everything stays queued, and the client is behind.
    const auto fill = [](Outbox& box, int messages) {
        for (int i = 0; i < messages; ++i) {
            REQUIRE(box.offer(make_message(std::string(1000, 'x'))));
        }
        box.copy_held(0);
    };
    fill(near, 2);
    fill(far, 5);
    fill(further, 8);
    const std::size_t held = budget.held();
    // The limit: what is held now plus a little. The next 1000-byte message passes it.
    budget.set_limit(held + 500);
    fill(near, 1);
    // The furthest behind went, which was enough: nobody else.
    REQUIRE(evicted.size() == 1);
    CHECK(evicted[0] == &further);
    CHECK(further.closed());
    CHECK(budget.held() <= budget.limit());
    CHECK(budget.evictions() == 1);

    // A much smaller limit: the furthest behind go, one by one, until it is kept; a client
    // that is not behind (its replies queued in this turn, its socket not full) is never one
    // of them, however much it has queued.
    for (int i = 0; i < 20; ++i) {
        REQUIRE(quiet.offer(make_message(std::string(1000, 'q'))));
    }
    budget.set_limit(1);
    budget.shed();
    CHECK(evicted == std::vector<void*>{&further, &far, &near});
    CHECK(quiet.open());
    CHECK(budget.held() > budget.limit());  // within the turn: the writer has not run yet
    std::string out;
    quiet.take(out, 1 << 20);
    quiet.written(out.size());
    // What is left is the ring a busy outbox keeps (RingQueue), counted as long as it is.
    CHECK(quiet.capacity() > 0);
    CHECK(budget.held() == quiet.capacity() * slot);
    budget.set_limit(0);
}

TEST_CASE("memory limit: cgroup files", "[budget]") {
    CHECK(parley::parse_cgroup_limit("max\n") == 0);
    CHECK(parley::parse_cgroup_limit("") == 0);
    CHECK(parley::parse_cgroup_limit("536870912\n") == 536870912);
    CHECK(parley::parse_cgroup_limit("9223372036854771712\n") == 9223372036854771712ull);
    CHECK(parley::parse_cgroup_limit("12ab") == 0);
    const std::uint64_t limit = parley::memory_limit();
    CHECK(limit > (64u << 20));  // any machine that runs the tests has more than that
}
