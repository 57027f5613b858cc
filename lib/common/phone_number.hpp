// Phone numbers checked by libphonenumber: strict E.164 input, whether the number exists in its
// country's plan, its country (ISO region) and type. Used for outbound calls and billing.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter {

enum class PhoneNumberType {
  fixed_line,
  mobile,
  fixed_line_or_mobile,  // plans that do not tell them apart (US, CA)
  toll_free,
  premium_rate,
  shared_cost,
  voip,
  personal_number,
  pager,
  uan,
  voicemail,
  unknown,
};

std::string_view to_string(PhoneNumberType type);

struct PhoneNumberInfo {
  std::string e164;    // normalised, "+14155550100"
  std::string region;  // ISO 3166-1 alpha-2, "US"; "001" for non-geographic numbers
  int country_code = 0;  // the calling code, 1 for +1
  PhoneNumberType type = PhoneNumberType::unknown;
  bool valid = false;  // always true in a returned value: invalid numbers are errors
};

struct PhoneNumberError {
  std::string code;  // "not_e164" | "unparseable" | "invalid_number"
  std::string message;
};

// Accepts only "+" followed by 7–15 digits (no spaces, dashes or national format) that
// libphonenumber considers a valid number. Thread-safe.
Expected<PhoneNumberInfo, PhoneNumberError> parse_e164(std::string_view text);

// The ISO region of a valid E.164 number ("JP" for +81…), or "" when it is not one.
std::string country_of(std::string_view e164);

}  // namespace callrouter
