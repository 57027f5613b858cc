#include "server/static_files.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <random>

using namespace callrouter::server;
namespace fs = std::filesystem;

namespace {

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct TempConsole {
  fs::path base = fs::temp_directory_path() / ("callrouter-static-" + std::to_string(std::random_device{}()));
  fs::path root = base / "dist";
  TempConsole() {
    write(root / "index.html", "<!doctype html><title>console</title>");
    write(root / "app-5XK2ZQ7A.js", "console.log(1)");
    write(root / "app-5XK2ZQ7A.css", "body{}");
    write(root / "assets" / "logo.svg", "<svg/>");
    write(base / "secret.txt", "outside");
    write(root / ".hidden", "no");
  }
  ~TempConsole() { fs::remove_all(base); }
};

}  // namespace

TEST_CASE("the console's index is served no-cache with a strict CSP") {
  TempConsole c;
  for (std::string_view path : {"/ui/", "/ui/index.html"}) {
    auto r = serve_static_file(c.root, "/ui", path);
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body == "<!doctype html><title>console</title>");
    CHECK(header(r, "Cache-Control") == "no-cache");
    const auto csp = header(r, "Content-Security-Policy");
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(header(r, "X-Content-Type-Options") == "nosniff");
  }
  auto bare = serve_static_file(c.root, "/ui", "/ui");
  CHECK(bare.status == 301);
  CHECK(header(bare, "Location") == "/ui/");
}

TEST_CASE("hashed assets are immutable, with their content type") {
  TempConsole c;
  auto js = serve_static_file(c.root, "/ui", "/ui/app-5XK2ZQ7A.js");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(header(js, "Cache-Control") == "public, max-age=31536000, immutable");
  auto css = serve_static_file(c.root, "/ui", "/ui/app-5XK2ZQ7A.css");
  CHECK(css.content_type == "text/css; charset=utf-8");
  auto svg = serve_static_file(c.root, "/ui", "/ui/assets/logo.svg");
  CHECK(svg.status == 200);
  CHECK(svg.content_type == "image/svg+xml");
  CHECK(header(svg, "Cache-Control") == "no-cache");  // not hashed: may change with a build
}

TEST_CASE("paths out of the console or not plain are refused as not found") {
  TempConsole c;
  fs::create_directory_symlink(c.base, c.root / "escape");
  for (std::string_view path :
       {"/ui/../secret.txt", "/ui/assets/../../secret.txt", "/ui/%2e%2e/secret.txt", "/ui/..%2fsecret.txt",
        "/ui/.hidden", "/ui/assets//logo.svg", "/ui/assets\\logo.svg", "/ui/escape/secret.txt",
        "/ui/missing.js", "/ui/assets/", "/ui/assets"}) {
    INFO(path);
    auto r = serve_static_file(c.root, "/ui", path);
    CHECK(r.status == 404);
    CHECK(r.body.find("outside") == std::string::npos);
    CHECK(r.content_type == "text/html; charset=utf-8");
  }
}

TEST_CASE("a console that is not built or not configured is a clear 404 page") {
  TempConsole c;
  for (const fs::path& root : {fs::path(), c.base / "nowhere", c.base}) {  // c.base has no index.html
    auto r = serve_static_file(root, "/ui", "/ui/");
    CHECK(r.status == 404);
    CHECK(r.body.find("Console not installed") != std::string::npos);
    CHECK(r.body.find("make ui") != std::string::npos);
  }
}

TEST_CASE("hashed names are told apart from plain ones") {
  CHECK(is_hashed_asset_name("app-5XK2ZQ7A.js"));
  CHECK(is_hashed_asset_name("chunk-ABCDEFGH12.css"));
  CHECK_FALSE(is_hashed_asset_name("index.html"));
  CHECK_FALSE(is_hashed_asset_name("ring-group.svg"));
  CHECK_FALSE(is_hashed_asset_name("app-abcdefgh.js"));
  CHECK(static_content_type("x.bin") == "application/octet-stream");
}
