#include "billing/calendar.hpp"

#include <fmt/format.h>

namespace callrouter::billing {

std::string month_key(Timestamp t) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(t)};
  return fmt::format("{:04}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
}

Timestamp add_months_clamped(Timestamp t, std::int64_t count) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  auto time_of_day = t - day;
  year_month_day ymd{day};
  year_month target = year_month{ymd.year(), ymd.month()} + std::chrono::months(static_cast<int>(count));
  auto last = year_month_day_last{target.year(), month_day_last{target.month()}}.day();
  year_month_day result{target.year(), target.month(), std::min(ymd.day(), last)};
  return Timestamp(sys_days(result) + time_of_day);
}

}  // namespace callrouter::billing
