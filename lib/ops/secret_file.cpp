#include "ops/secret_file.hpp"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace callrouter::ops {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

std::optional<std::string> read_secret(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return trim(ss.str());
}

bool write_secret(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  // The umask, not a chmod afterwards: the file is never readable by others, not even briefly.
  auto old = ::umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text << "\n";
  ::umask(old);
  return static_cast<bool>(out);
}

}  // namespace callrouter::ops
