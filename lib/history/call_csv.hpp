// The call log as CSV (GET /v1/calls.csv): the header in English or Japanese, one row per call with
// times on the wall clock of a zone, and the file name the download is saved under.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "history/call_filter.hpp"
#include "history/history_call.hpp"
#include "history/local_time.hpp"

namespace callrouter::history {

// The header row (after the UTF-8 BOM, which the caller writes once), CRLF included.
void append_csv_header(std::string& out, bool japanese);

// A telephony user's display name from their id ("" when unknown).
using UserName = std::function<std::string_view(std::string_view user_id)>;

// One call, CRLF included. Columns as in docs/api.md.
void append_csv_row(std::string& out, const HistoryCall& call, LocalClock& clock, bool japanese,
                    const UserName& user_name);

// "calls-2026-12-01_2026-12-31.csv": the first and last day the filter covers in the zone
// (`until` is exclusive); without since "start", without until the day of `now`.
std::string csv_filename(const CallFilter& filter, LocalClock& clock, Timestamp now);

}  // namespace callrouter::history
