// What one state change writes: its records, and the call events it makes (numbered at submit).
#pragma once

#include <vector>

#include "events/event.hpp"
#include "store/write_set.hpp"

namespace callrouter::runtime {

struct Change {
  store::WriteSet records;
  std::vector<events::Event> events;
};

}  // namespace callrouter::runtime
