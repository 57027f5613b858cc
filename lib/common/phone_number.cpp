#include "common/phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

#include "common/identifiers.hpp"

namespace callrouter {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

PhoneNumberType from_library(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return PhoneNumberType::fixed_line;
    case PhoneNumberUtil::MOBILE: return PhoneNumberType::mobile;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return PhoneNumberType::fixed_line_or_mobile;
    case PhoneNumberUtil::TOLL_FREE: return PhoneNumberType::toll_free;
    case PhoneNumberUtil::PREMIUM_RATE: return PhoneNumberType::premium_rate;
    case PhoneNumberUtil::SHARED_COST: return PhoneNumberType::shared_cost;
    case PhoneNumberUtil::VOIP: return PhoneNumberType::voip;
    case PhoneNumberUtil::PERSONAL_NUMBER: return PhoneNumberType::personal_number;
    case PhoneNumberUtil::PAGER: return PhoneNumberType::pager;
    case PhoneNumberUtil::UAN: return PhoneNumberType::uan;
    case PhoneNumberUtil::VOICEMAIL: return PhoneNumberType::voicemail;
    default: return PhoneNumberType::unknown;
  }
}

}  // namespace

std::string_view to_string(PhoneNumberType type) {
  switch (type) {
    case PhoneNumberType::fixed_line: return "fixed_line";
    case PhoneNumberType::mobile: return "mobile";
    case PhoneNumberType::fixed_line_or_mobile: return "fixed_line_or_mobile";
    case PhoneNumberType::toll_free: return "toll_free";
    case PhoneNumberType::premium_rate: return "premium_rate";
    case PhoneNumberType::shared_cost: return "shared_cost";
    case PhoneNumberType::voip: return "voip";
    case PhoneNumberType::personal_number: return "personal_number";
    case PhoneNumberType::pager: return "pager";
    case PhoneNumberType::uan: return "uan";
    case PhoneNumberType::voicemail: return "voicemail";
    case PhoneNumberType::unknown: break;
  }
  return "unknown";
}

Expected<PhoneNumberInfo, PhoneNumberError> parse_e164(std::string_view text) {
  // The shape is checked here first: libphonenumber is lenient (it accepts spaces, letters as
  // keypad digits, national formats) and the API promises E.164 in and out.
  if (!is_e164(text)) {
    return unexpected(PhoneNumberError{"not_e164", "a phone number must be '+' and 7 to 15 digits, e.g. +14155550100"});
  }
  // GetInstance() builds the metadata once and is safe to call from any thread.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(text), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return unexpected(PhoneNumberError{"unparseable", "the number has no known country calling code"});
  }
  if (!util.IsValidNumber(number)) {
    return unexpected(PhoneNumberError{"invalid_number", "no such number in its country's numbering plan"});
  }
  PhoneNumberInfo info;
  util.Format(number, PhoneNumberUtil::E164, &info.e164);
  util.GetRegionCodeForNumber(number, &info.region);
  info.country_code = number.country_code();
  info.type = from_library(util.GetNumberType(number));
  info.valid = true;
  return info;
}

std::string country_of(std::string_view e164) {
  auto info = parse_e164(e164);
  return info ? info->region : std::string();
}

}  // namespace callrouter
