// Static files of the console. Files are small and read per request, so a rebuilt console is
// served without restarting the daemon; the read happens on the event loop, like the journal's
// reads, and is capped so a stray large file cannot stall it.
#include "server/static_files.hpp"

#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace callrouter::server {

namespace {

constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;

// Scripts, styles, images, fonts and API calls only from this origin; no inline script or style,
// no plugins, no framing, no forms posting elsewhere.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void add_security_headers(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

HttpResponse page(int status, std::string_view title, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  r.body += title;
  r.body += "</title></head><body><h1>";
  r.body += title;
  r.body += "</h1><p>";
  r.body += message;
  r.body += "</p></body></html>\n";
  r.headers.emplace_back("Cache-Control", "no-store");
  add_security_headers(r);
  return r;
}

HttpResponse not_found() { return page(404, "Not found", "There is no such file in the console."); }

// A relative path of plain segments: letters, digits, `-`, `_`, `.`, not starting with a dot.
// Anything else (encoded bytes, `..`, backslashes, empty segments) is refused, not interpreted.
bool is_plain_relative_path(std::string_view rel) {
  if (rel.empty()) return false;
  bool segment_start = true;
  for (char ch : rel) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '/') {
      if (segment_start) return false;  // empty segment ("//")
      segment_start = true;
      continue;
    }
    if (segment_start && c == '.') return false;  // ".", "..", hidden files
    segment_start = false;
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return !segment_start;  // no trailing slash
}

bool is_inside(const std::filesystem::path& root, const std::filesystem::path& file) {
  auto r = root.begin();
  auto f = file.begin();
  for (; r != root.end(); ++r, ++f) {
    if (f == file.end() || *r != *f) return false;
  }
  return true;
}

}  // namespace

std::string_view static_content_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

bool is_hashed_asset_name(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto dash = name.rfind('-', dot);
  if (dot == std::string_view::npos || dash == std::string_view::npos || dash + 1 >= dot) return false;
  const auto hash = name.substr(dash + 1, dot - dash - 1);
  if (hash.size() < 8) return false;
  for (char c : hash) {
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)))) return false;
  }
  return true;
}

HttpResponse serve_static_file(const std::filesystem::path& root, std::string_view mount, std::string_view path) {
  if (path == mount) {
    HttpResponse r;
    r.status = 301;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "moved to " + std::string(mount) + "/\n";
    r.headers.emplace_back("Location", std::string(mount) + "/");
    return r;
  }
  std::error_code ec;
  if (root.empty() || !std::filesystem::is_regular_file(root / "index.html", ec)) {
    return page(404, "Console not installed",
                "The admin console is not built or not configured. Build it with <code>make ui</code> "
                "(needs Node.js and npm; see README) and set <code>ui.dir</code> in the config to its "
                "folder (the default config uses ui/dist). The API under /v1/ works without it.");
  }
  auto rel = path.substr(mount.size() + 1);  // after "/ui/"
  if (rel.empty()) rel = "index.html";
  if (!is_plain_relative_path(rel)) return not_found();

  const auto canonical_root = std::filesystem::canonical(root, ec);
  if (ec) return not_found();
  const auto file = std::filesystem::canonical(canonical_root / std::filesystem::path(rel), ec);
  if (ec || !is_inside(canonical_root, file) || !std::filesystem::is_regular_file(file, ec)) return not_found();
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return not_found();

  std::ifstream in(file, std::ios::binary);
  if (!in) return not_found();
  HttpResponse r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const auto name = file.filename().string();
  r.content_type = std::string(static_content_type(name));
  r.headers.emplace_back("Cache-Control",
                         is_hashed_asset_name(name) ? "public, max-age=31536000, immutable" : "no-cache");
  add_security_headers(r);
  return r;
}

}  // namespace callrouter::server
