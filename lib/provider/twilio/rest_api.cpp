#include "provider/twilio/rest_api.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace callrouter::twilio {

std::string form_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

namespace {

std::string basic_auth(std::string_view user, std::string_view password) {
  auto plain = fmt::format("{}:{}", user, password);
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

}  // namespace

outbound::OutboundRequest account_request(std::string_view api_base_url, std::string_view account_sid,
                                          std::string_view auth_token, std::string_view method,
                                          std::string_view path, std::string body) {
  outbound::OutboundRequest r;
  r.method = std::string(method);
  auto base = api_base_url;
  while (base.ends_with('/')) base.remove_suffix(1);
  r.url = fmt::format("{}/2010-04-01/Accounts/{}/{}", base, account_sid, path);
  r.body = std::move(body);
  r.headers.emplace_back("Authorization", basic_auth(account_sid, auth_token));
  return r;
}

std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += form_encode(name);
    out.push_back('=');
    out += form_encode(value);
  }
  return out;
}

outbound::OutboundRequest available_numbers_request(std::string_view api_base_url, std::string_view account_sid,
                                                    std::string_view auth_token, std::string_view country,
                                                    std::string_view type, std::string_view contains,
                                                    std::string_view area_code) {
  const std::string_view kind = type == "mobile" ? "Mobile" : type == "toll_free" ? "TollFree" : "Local";
  auto path = fmt::format("AvailablePhoneNumbers/{}/{}.json", country, kind);
  char separator = '?';
  for (auto [name, value] : {std::pair{"Contains", contains}, std::pair{"AreaCode", area_code}}) {
    if (value.empty()) continue;
    path += fmt::format("{}{}={}", separator, name, form_encode(value));
    separator = '&';
  }
  auto r = account_request(api_base_url, account_sid, auth_token, "GET", path);
  r.content_type.clear();
  return r;
}

outbound::OutboundRequest redirect_call_request(std::string_view api_base_url, std::string_view account_sid,
                                                std::string_view auth_token, std::string_view call_sid,
                                                std::string_view twiml, std::string_view fetch_url) {
  outbound::OutboundRequest r;
  r.method = "POST";
  auto base = api_base_url;
  while (base.ends_with('/')) base.remove_suffix(1);
  r.url = fmt::format("{}/2010-04-01/Accounts/{}/Calls/{}.json", base, account_sid, call_sid);
  // Counted in bytes, which is never fewer than the characters Twilio counts.
  if (twiml.size() > kMaxRestTwimlChars && !fetch_url.empty()) {
    r.body = form_body({{"Url", fetch_url}, {"Method", "POST"}});
  } else {
    r.body = "Twiml=" + form_encode(twiml);
  }
  r.headers.emplace_back("Authorization", basic_auth(account_sid, auth_token));
  return r;
}

}  // namespace callrouter::twilio
