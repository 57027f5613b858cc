#include "server/http_message.hpp"

#include "common/json_writer.hpp"

namespace callrouter::server {

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  JsonWriter w;
  w.begin_object().key("error").begin_object().field("code", code).field("message", message).end_object().end_object();
  HttpResponse r;
  r.status = status;
  r.body = w.take();
  return r;
}

}  // namespace callrouter::server
