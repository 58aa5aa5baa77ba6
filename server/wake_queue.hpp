#pragma once
// The writers to wake once the current turn of the event loop is over.
//
// A broadcast offers a message to every member's outbox, and a read may broadcast many lines:
// each parked writer that gets something is put here once, and one posted handler per turn
// resumes them all, each writing everything its outbox received in that turn with one send.
// Redis keeps the same list (clients with pending writes) and writes them before its loop
// sleeps again. One handler per turn, not one per woken writer: a fan-out to a thousand
// members posts once.
//
// It also holds the buffer a resumed writer's batch is built in. Writers run one at a time,
// and each is done with the buffer before it next suspends, so one buffer serves them all.
// And the budget all its outboxes hold their memory in (OutboxBudget): the outboxes reach it
// here, so an outbox carries no second reference.

#include <cstdint>
#include <string>
#include <vector>

#include "server/outbox_budget.hpp"
#include "server/task.hpp"

namespace parley {

class Outbox;

class WakeQueue {
  public:
    // Queues `outbox` to be resumed after the current handler, on `ex`. Once per wake-up: the
    // outbox makes sure of that.
    void add(Outbox& outbox, const Executor& ex);

    std::string& batch_buffer() { return batch_; }

    // Messages queued in the outboxes this queue serves, since the start: every outbox of
    // the executor counts its offers here (parley_deliveries_total).
    void count_queued() { ++queued_; }
    std::uint64_t queued() const { return queued_; }

    OutboxBudget& budget() { return budget_; }
    const OutboxBudget& budget() const { return budget_; }

  private:
    void run();

    std::vector<Outbox*> pending_;
    std::vector<Outbox*> running_;  // kept between turns: no allocation per turn
    std::string batch_;
    std::uint64_t queued_ = 0;
    bool posted_ = false;
    OutboxBudget budget_;
};

}  // namespace parley
