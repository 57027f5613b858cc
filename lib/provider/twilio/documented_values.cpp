#include "provider/twilio/documented_values.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace callrouter::twilio {
namespace {

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

bool is_sid(std::string_view value, std::string_view prefix) {
  if (value.size() != prefix.size() + 32 || !value.starts_with(prefix)) return false;
  return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(prefix.size()), value.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_call_status(std::string_view value) {
  static constexpr std::array<std::string_view, 9> kValues{
      "queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"};
  return one_of(kValues, value);
}

bool is_dial_call_status(std::string_view value) {
  static constexpr std::array<std::string_view, 6> kValues{"completed", "answered", "busy",
                                                           "no-answer", "failed",   "canceled"};
  return one_of(kValues, value);
}

bool is_queue_result(std::string_view value) {
  static constexpr std::array<std::string_view, 9> kValues{
      "bridged", "bridging-in-process", "error",     "hangup",      "leave",
      "redirected", "redirected-from-bridged", "queue-full", "system-error"};
  return one_of(kValues, value);
}

bool is_recording_status(std::string_view value) {
  static constexpr std::array<std::string_view, 4> kValues{"in-progress", "completed", "absent", "failed"};
  return one_of(kValues, value);
}

bool is_recording_url(std::string_view value) {
  if (!value.starts_with("https://") || value.size() <= 8 || value.size() > 1024) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\' && c != '`';
  });
}

Duration read_duration(std::optional<std::string_view> field) {
  if (!field) return {};
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(field->data(), field->data() + field->size(), seconds);
  if (ec != std::errc() || end != field->data() + field->size() || seconds < 0 || seconds > kMaxDurationS) {
    return {std::nullopt, false};
  }
  return {seconds, true};
}

}  // namespace callrouter::twilio
