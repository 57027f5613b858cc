// The admin console's built files (ui/dist) as HTTP answers: content type, caching, a strict
// Content-Security-Policy, and never a file outside the console's folder.
#pragma once

#include <filesystem>
#include <string_view>

#include "server/http_message.hpp"

namespace callrouter::server {

// Answers GET `path` (the request path, starting with `mount`, e.g. "/ui/app-5XK2.js") from the
// files under `root`. `/ui` redirects to `/ui/`, which is index.html. Hashed asset names
// (`name-HASH.ext`, as the ui build writes them) are cached for a year as immutable; everything
// else is `no-cache`, so a new build is picked up on the next load. A path with `..`, `%`, a
// backslash, a hidden segment or a symlink out of `root` is 404, like a missing file. An empty or
// unbuilt `root` answers a 404 page that says the console is not installed (never a crash).
HttpResponse serve_static_file(const std::filesystem::path& root, std::string_view mount, std::string_view path);

// The Content-Type for a file name, by extension (application/octet-stream when unknown).
std::string_view static_content_type(std::string_view file_name);

// True for an asset name carrying a content hash (esbuild's `[name]-[hash]`, 8+ of [A-Z0-9]).
bool is_hashed_asset_name(std::string_view file_name);

}  // namespace callrouter::server
