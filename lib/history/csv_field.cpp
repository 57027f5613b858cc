#include "history/csv_field.hpp"

#include <charconv>

namespace callrouter::history {
namespace {

bool starts_like_formula(std::string_view s) {
  if (s.empty()) return false;
  switch (s.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': return true;
    default: return false;
  }
}

bool needs_quotes(std::string_view s) { return s.find_first_of(",\"\r\n") != std::string_view::npos; }

}  // namespace

void append_csv_text(std::string& out, std::string_view text) {
  const bool quote = needs_quotes(text);
  if (quote) out.push_back('"');
  if (starts_like_formula(text)) out.push_back('\'');
  if (!quote) {
    out.append(text);
    return;
  }
  for (std::size_t start = 0;;) {
    const auto q = text.find('"', start);
    out.append(text.substr(start, q == std::string_view::npos ? std::string_view::npos : q + 1 - start));
    if (q == std::string_view::npos) break;
    out.push_back('"');  // the quote just written, doubled
    start = q + 1;
  }
  out.push_back('"');
}

void append_csv_number(std::string& out, std::int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, end);
}

}  // namespace callrouter::history
