#include "provider/twilio/signature_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

// twilio-node 6.3.1 lib/webhooks/webhooks.js: getSignatureAlgorithm splits on ',', takes each
// part's name before the first '=' and trims both sides; toHashName upper-cases the algorithm.
// JavaScript's trim() also drops Unicode spaces; Twilio writes none, so ASCII blanks suffice.

namespace callrouter::twilio {

namespace {

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool equals_upper(std::string_view text, std::string_view upper) {
  return text.size() == upper.size() &&
         std::equal(text.begin(), text.end(), upper.begin(), [](char a, char b) {
           return std::toupper(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);
         });
}

}  // namespace

Expected<SignatureSettings> parse_signature_settings(std::string_view header) {
  SignatureSettings settings;
  std::string_view algorithm;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = std::min(header.find(',', pos), header.size());
    std::string_view part = header.substr(pos, end - pos);
    pos = end + 1;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim(part.substr(0, eq));
    std::string_view value = trim(part.substr(eq + 1));
    if (name == "algorithm" && algorithm.empty()) algorithm = value;
    if (name == "key" && settings.key_id.empty()) settings.key_id = std::string(value);
  }
  if (algorithm.empty() || equals_upper(algorithm, "HMAC_SHA1")) {
    settings.algorithm = SignatureAlgorithm::hmac_sha1;
  } else if (equals_upper(algorithm, "HMAC_SHA256")) {
    settings.algorithm = SignatureAlgorithm::hmac_sha256;
  } else {
    // Printable only, and short: the value goes into a log line and an error message.
    std::string shown;
    for (char c : algorithm.substr(0, 32)) shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return unexpected(fmt::format("unsupported signature algorithm '{}'", shown));
  }
  return settings;
}

}  // namespace callrouter::twilio
