// The error every billing decision returns instead of a value: a stable code for the API and
// for tests, and a message for people. Codes are listed in docs/billing.md.
#pragma once

#include <string>

namespace callrouter::billing {

struct BillingError {
  std::string code;     // e.g. "insufficient_balance", "invalid_amount", "destination_blocked"
  std::string message;  // human text, may name the amount or the number
};

inline BillingError billing_error(std::string code, std::string message) {
  return BillingError{std::move(code), std::move(message)};
}

}  // namespace callrouter::billing
