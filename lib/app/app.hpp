// The request handler behind the HTTP server: routes each request to its handler and owns the
// state those handlers share (directory, journal, metrics). Runs on the event-loop thread only.
#pragma once

#include <functional>

#include "common/time.hpp"
#include "config/config.hpp"
#include "engine/directory.hpp"
#include "server/http_message.hpp"
#include "store/journal.hpp"

namespace callrouter::ops {
class HttpMetrics;
}

namespace callrouter::app {

class App {
 public:
  using Clock = std::function<Timestamp()>;
  App(Config config, store::Journal& journal, engine::Directory directory, ops::HttpMetrics& metrics,
      Clock clock = system_now);

  void handle(server::HttpRequest&& request, server::RequestContext& context, server::Reply reply);

  void set_ready(bool ready) { ready_ = ready; }
  // SIGHUP: settings that can change while serving.
  void reload(const Config& config) { config_ = config; }
  const engine::Directory& directory() const { return directory_; }

 private:
  void twilio_voice(server::HttpRequest&& request, server::Reply reply);

  Config config_;
  store::Journal& journal_;
  engine::Directory directory_;
  ops::HttpMetrics& metrics_;
  Clock clock_;
  bool ready_ = false;
};

}  // namespace callrouter::app
