#include "api/duplicate_keys.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <vector>

namespace callrouter::api {
namespace {

// A key as the path names it: the empty key is spelled "" so that the path never comes out empty.
std::string named(std::string_view key) { return key.empty() ? std::string("\"\"") : std::string(key); }

std::optional<std::string> walk(simdjson::dom::element e, const std::string& path) {
  simdjson::dom::array array;
  if (e.get(array) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (auto item : array) {
      if (auto found = walk(item, fmt::format("{}[{}]", path, i++))) return found;
    }
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (e.get(object) != simdjson::SUCCESS) return std::nullopt;
  std::vector<std::string_view> keys;
  keys.reserve(object.size());
  for (auto field : object) keys.push_back(field.key);
  std::sort(keys.begin(), keys.end());
  if (auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end()) {
    return path.empty() ? named(*twice) : fmt::format("{}.{}", path, named(*twice));
  }
  for (auto field : object) {
    auto child = path.empty() ? named(field.key) : fmt::format("{}.{}", path, named(field.key));
    if (auto found = walk(field.value, child)) return found;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_duplicate_key(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return std::nullopt;
  return walk(root, "");
}

}  // namespace callrouter::api
