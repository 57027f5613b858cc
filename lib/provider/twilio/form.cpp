#include "provider/twilio/form.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace callrouter::twilio {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one name or value into `out`. `offset` is where `in` starts in the body, so the error
// can point at the bad byte. Returns the error, or nothing on success.
std::optional<std::string> decode_into(std::string_view in, std::size_t offset, std::string& out) {
  if (in.find_first_of("%+") == std::string_view::npos) {
    // Most fields (SIDs, statuses, digits) need no decoding: copy them in one go.
    if (in.find('\0') != std::string_view::npos) {
      return fmt::format("form: NUL byte at offset {}", offset + in.find('\0'));
    }
    out.assign(in);
    return std::nullopt;
  }
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 1 < in.size() ? hex_digit(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fmt::format("form: malformed percent escape at offset {}", offset + i);
      }
      char decoded = static_cast<char>(hi * 16 + lo);
      // A NUL would be cut short by any C string API downstream and is never legitimate here.
      if (decoded == '\0') return fmt::format("form: escaped NUL byte at offset {}", offset + i);
      out.push_back(decoded);
      i += 2;
    } else if (c == '\0') {
      return fmt::format("form: NUL byte at offset {}", offset + i);
    } else {
      out.push_back(c);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Form::get(std::string_view name) const {
  for (const FormParam& p : params) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

Expected<Form> parse_form(std::string_view body) {
  Form form;
  // One allocation for the list instead of one per doubling (a voice webhook has ~27 fields).
  form.params.reserve(std::min<std::size_t>(kMaxFormParams, static_cast<std::size_t>(std::count(body.begin(), body.end(), '&')) + 1));
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view segment = body.substr(pos, end - pos);
    if (!segment.empty()) {
      if (form.params.size() == kMaxFormParams) {
        return unexpected(
            fmt::format("form: more than {} parameters (at offset {})", kMaxFormParams, pos));
      }
      std::size_t eq = segment.find('=');
      std::string_view name = segment.substr(0, eq);
      if (name.empty())
        return unexpected(fmt::format("form: empty parameter name at offset {}", pos));
      FormParam& param = form.params.emplace_back();
      if (auto error = decode_into(name, pos, param.name)) return unexpected(std::move(*error));
      if (eq != std::string_view::npos) {
        if (auto error = decode_into(segment.substr(eq + 1), pos + eq + 1, param.value)) {
          return unexpected(std::move(*error));
        }
      }
    }
    pos = end + 1;
  }
  return form;
}

}  // namespace callrouter::twilio
