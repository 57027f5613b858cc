#include "server/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace callrouter::server {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return fold(x) == fold(y);
         });
}

void append_clean(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

void append_number(std::string& out, std::size_t n) {
  std::array<char, 24> digits{};
  auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
  out.append(digits.data(), end);
}

}  // namespace

void write_head(std::string& out, int status, std::string_view content_type,
                const std::vector<std::pair<std::string, std::string>>& headers, std::size_t content_length,
                bool keep_alive) {
  // The fields in Beast's order: set() erases the name and appends, so the last setting wins
  // and sits where it was set. A handful of fields: a linear scan beats any map.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.clear();
  auto set = [&](std::string_view name, std::string_view value) {
    fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const auto& f) { return same_name(f.first, name); }),
                 fields.end());
    fields.emplace_back(name, value);
  };
  set("Server", "callrouter");
  set("Content-Type", content_type);
  for (const auto& [name, value] : headers) set(name, value);
  if (!keep_alive) set("Connection", "close");
  namespace http = boost::beast::http;
  const auto code = http::int_to_status(static_cast<unsigned>(status));
  const bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
  fields.erase(std::remove_if(fields.begin(), fields.end(), [](const auto& f) { return same_name(f.first, "Content-Length"); }),
               fields.end());

  out.clear();
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(status));
  out.push_back(' ');
  const auto reason = http::obsolete_reason(code);
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& [name, value] : fields) {
    append_clean(out, name);
    out.append(": ");
    append_clean(out, value);
    out.append("\r\n");
  }
  if (!bodiless) {
    out.append("Content-Length: ");
    append_number(out, content_length);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace callrouter::server
