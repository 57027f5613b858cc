// A small streaming JSON writer for API responses and stored records.
// simdjson parses; this writes, escaping strings per RFC 8259 so caller text cannot break out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callrouter {

class JsonWriter {
 public:
  // Room for a typical document (an event ~450 bytes, a call ~900) from the start: growing by
  // doubling from empty cost five or six allocations per document, several documents per webhook.
  JsonWriter() { out_.reserve(512); }
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Inserts already-serialised JSON (e.g. a stored definition) as one value.
  JsonWriter& raw(std::string_view json);

  template <class V>
  JsonWriter& field(std::string_view k, V&& v) {
    key(k);
    return value(std::forward<V>(v));
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

// Appends `s` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

}  // namespace callrouter
