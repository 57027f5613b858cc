// Where analytics puts a call in time: 15-minute UTC slots, and how hours and days on a time
// zone's wall clock are made of them. Every offset in use today is a multiple of 15 minutes
// (Asia/Kolkata +5:30, Asia/Kathmandu +5:45, Australia/Eucla +8:45), so any zone's hours and days
// are whole runs of slots, and one stored series serves every tz= a reader asks for.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace callrouter::analytics {

inline constexpr std::chrono::seconds kSlot{15 * 60};

// The start of the slot holding `t`, and the first slot start at or after it.
Timestamp slot_floor(Timestamp t);
Timestamp slot_ceil(Timestamp t);
// Unix seconds of a slot start (the stored key), and back.
std::int64_t slot_seconds(Timestamp slot_start);
Timestamp slot_at(std::int64_t seconds);

enum class Period { hour, day };

struct LocalBucket {
  Timestamp start, end;  // UTC, slot-aligned, end exclusive
  std::string label;     // hour: "2026-03-08T03:00:00-04:00"; day: "2026-03-08" (the zone's wall clock)
};

// The zone's hours (or days) that meet [since, until), both slot-aligned, in order; the first and
// last are cut at since and until. None for a zone the tz database does not know.
std::optional<std::vector<LocalBucket>> local_buckets(std::string_view zone, Period period, Timestamp since,
                                                      Timestamp until);

}  // namespace callrouter::analytics
