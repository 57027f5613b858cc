// The route table: which method and path reach which handler, and who may call it.
#include <spdlog/spdlog.h>

#include <array>

#include "app/app.hpp"
#include "ops/metrics.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

enum class Access { open, twilio, system, admin, any_key };

using Handler = void (*)(App&, HttpRequest&&, const App::Params&, const Principal*, Reply);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{}" matches one path segment
  Access access;
  Handler handler;
};

// Splits a path into segments and matches it against a pattern; fills `params` for "{}".
bool match(std::string_view pattern, std::string_view path, App::Params& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto p_end = std::min(pattern.find('/'), pattern.size());
    auto s_end = std::min(path.find('/'), path.size());
    auto p_seg = pattern.substr(0, p_end);
    auto s_seg = path.substr(0, s_end);
    if (p_seg == "{}") {
      if (s_seg.empty()) return false;
      params.push_back(s_seg);
    } else if (p_seg != s_seg) {
      return false;
    }
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

HttpResponse text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace

struct Router {
  static void healthz(App&, HttpRequest&&, const App::Params&, const Principal*, Reply reply) {
    reply(text(200, "application/json", R"({"status":"ok"})"));
  }
  static void readyz(App& app, HttpRequest&&, const App::Params&, const Principal*, Reply reply) {
    if (!app.ready_) return reply(json_error(503, "not_ready", "loading state from the journal"));
    reply(text(200, "application/json", R"({"status":"ready"})"));
  }
  static void metrics(App& app, HttpRequest&&, const App::Params&, const Principal*, Reply reply) {
    app.metrics_.set_counter("callrouter_journal_commits_total", "Journal batches written",
                             static_cast<double>(app.journal_.commits()));
    app.metrics_.set_gauge("callrouter_live_calls", "Calls in progress", static_cast<double>(app.calls_.live_count()));
    reply(text(200, "text/plain; version=0.0.4", app.metrics_.render()));
  }
  static void voice(App& app, HttpRequest&& r, const App::Params& p, const Principal*, Reply reply) {
    app.twilio_voice(std::move(r), p, std::move(reply));
  }
  static void status(App& app, HttpRequest&& r, const App::Params& p, const Principal*, Reply reply) {
    app.twilio_status(std::move(r), p, std::move(reply));
  }
  static void create_org(App& app, HttpRequest&& r, const App::Params&, const Principal* who, Reply reply) {
    app.create_org(std::move(r), *who, std::move(reply));
  }
  static void create_key(App& app, HttpRequest&& r, const App::Params&, const Principal* who, Reply reply) {
    app.create_key(std::move(r), *who, std::move(reply));
  }
  static void list_keys(App& app, HttpRequest&&, const App::Params&, const Principal* who, Reply reply) {
    app.list_keys(*who, std::move(reply));
  }
  static void revoke_key(App& app, HttpRequest&&, const App::Params& p, const Principal* who, Reply reply) {
    app.revoke_key(p[0], *who, std::move(reply));
  }
  static void get_call(App& app, HttpRequest&&, const App::Params& p, const Principal* who, Reply reply) {
    app.get_call(p[0], *who, std::move(reply));
  }
  static void backup(App& app, HttpRequest&& r, const App::Params&, const Principal*, Reply reply) {
    app.backup(std::move(r), std::move(reply));
  }
};

namespace {

constexpr std::array kRoutes{
    Route{"GET", "/healthz", Access::open, &Router::healthz},
    Route{"GET", "/readyz", Access::open, &Router::readyz},
    Route{"GET", "/metrics", Access::open, &Router::metrics},
    Route{"POST", "/twilio/voice", Access::twilio, &Router::voice},
    Route{"GET", "/twilio/voice", Access::twilio, &Router::voice},
    Route{"POST", "/twilio/status", Access::twilio, &Router::status},
    Route{"GET", "/twilio/status", Access::twilio, &Router::status},
    Route{"POST", "/v1/orgs", Access::system, &Router::create_org},
    Route{"POST", "/v1/keys", Access::any_key, &Router::create_key},
    Route{"GET", "/v1/keys", Access::admin, &Router::list_keys},
    Route{"DELETE", "/v1/keys/{}", Access::any_key, &Router::revoke_key},
    Route{"GET", "/v1/calls/{}", Access::any_key, &Router::get_call},
    Route{"POST", "/v1/system/backup", Access::system, &Router::backup},
};

}  // namespace

std::optional<Principal> App::authenticate(const HttpRequest& request) const {
  auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return std::nullopt;
  auto token = header.substr(kBearer.size());
  if (auth::system_key_matches(system_key_, token)) return Principal{auth::Role::system, {}, {}};
  auto parts = auth::split_token(token);
  if (!parts) return std::nullopt;
  const auto* key = directory_.key(parts->id);
  if (key == nullptr || key->revoked || !auth::secret_matches(*key, parts->secret)) return std::nullopt;
  return Principal{key->role, key->org_id, key->user_id};
}

void App::handle(HttpRequest&& request, server::RequestContext& context, Reply reply) {
  const auto path = request.path();
  const Route* found = nullptr;
  std::string allow;
  Params params;
  for (const auto& route : kRoutes) {
    if (!match(route.pattern, path, params)) continue;
    context.route = route.pattern;
    if (route.method == request.method) {
      found = &route;
      break;
    }
    if (!allow.empty()) allow += ", ";
    allow += route.method;
  }
  if (found == nullptr) {
    if (allow.empty()) return reply(json_error(404, "not_found", "no such route"));
    auto r = json_error(405, "method_not_allowed", fmt::format("{} is not allowed here", request.method));
    r.headers.emplace_back("Allow", allow);
    return reply(std::move(r));
  }
  if (found->access == Access::open) return found->handler(*this, std::move(request), params, nullptr, std::move(reply));
  if (!ready_) return reply(json_error(503, "not_ready", "loading state from the journal; retry"));
  if (found->access == Access::twilio) return found->handler(*this, std::move(request), params, nullptr, std::move(reply));

  auto who = authenticate(request);
  if (!who) return reply(json_error(401, "unauthorized", "missing or invalid API key"));
  const bool allowed = (found->access == Access::system && who->role == auth::Role::system) ||
                       (found->access == Access::admin && who->role == auth::Role::admin) ||
                       found->access == Access::any_key;
  if (!allowed) return reply(json_error(403, "forbidden", "this key's role may not do this"));
  found->handler(*this, std::move(request), params, &*who, std::move(reply));
}

App::App(Config config, store::Journal& journal, ops::HttpMetrics& metrics, std::string system_key, Clock clock)
    : config_(std::move(config)),
      journal_(journal),
      calls_(journal),
      metrics_(metrics),
      system_key_(std::move(system_key)),
      clock_(std::move(clock)) {}

void App::load(LoadedState state) {
  directory_ = std::move(state.directory);
  for (auto& call : state.live_calls) calls_.restore_live(std::move(call));
  ready_ = true;
}

Expected<LoadedState> load_state(const store::Journal& journal) {
  auto directory = store::load_directory(journal);
  if (!directory) return unexpected(directory.error());
  LoadedState state{std::move(*directory), {}};
  std::string error;
  journal.scan_prefix(store::Cf::live_calls, "", [&](std::string_view key, std::string_view) {
    auto stored = journal.get(store::Cf::calls, key);
    auto payload = stored ? store::decode_value(*stored) : std::nullopt;
    auto record = payload ? engine::call_record_from_json(*payload) : unexpected(std::string("missing"));
    if (!record) {
      // A live-call index entry without its record cannot come from one batch; report, go on.
      spdlog::error("live call index entry without a readable call record: {}", record.error());
      return true;
    }
    state.live_calls.push_back(std::move(*record));
    return true;
  });
  return state;
}

}  // namespace callrouter::app
