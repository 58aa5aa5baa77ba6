#pragma once
// How much memory this process may use at most: the machine's physical memory, or the limit
// of the control group it runs in (a container, a systemd unit's MemoryMax=), whichever is
// smaller. --outbox-total defaults to a quarter of it.

#include <cstdint>
#include <string_view>

namespace parley {

// The smaller of physical memory and the cgroup's limit (v2 memory.max, v1
// memory.limit_in_bytes, "max" or a huge number meaning none), in bytes.
std::uint64_t memory_limit();

// The cgroup limit written in one of those files' contents: 0 when there is none ("max", a
// value past physical memory is handled by the caller, or text that is not a number).
std::uint64_t parse_cgroup_limit(std::string_view text);

}  // namespace parley
