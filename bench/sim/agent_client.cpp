#include "sim/agent_client.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include <cstdio>

namespace callrouter::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct AgentClient::Impl {
  Impl(asio::io_context& io, tcp::endpoint d, std::string k, OnEvent e)
      : ws(io), daemon(std::move(d)), key(std::move(k)), on_event(std::move(e)) {}
  websocket::stream<beast::tcp_stream> ws;
  tcp::endpoint daemon;
  std::string key;
  OnEvent on_event;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  simdjson::dom::parser parser;
  bool closing = false;
};

AgentClient::AgentClient(asio::io_context& io, tcp::endpoint daemon, std::string key, std::string user_id, OnEvent on_event)
    : impl_(std::make_unique<Impl>(io, std::move(daemon), std::move(key), std::move(on_event))),
      user_id_(std::move(user_id)) {}

AgentClient::~AgentClient() = default;

void AgentClient::start() {
  beast::get_lowest_layer(impl_->ws).async_connect(impl_->daemon, [self = shared_from_this()](beast::error_code ec) {
    if (ec) {
      std::fprintf(stderr, "agent %s: connect: %s\n", self->user_id_.c_str(), ec.message().c_str());
      return;
    }
    beast::get_lowest_layer(self->impl_->ws).socket().set_option(tcp::no_delay(true), ec);
    self->impl_->ws.async_handshake("127.0.0.1", "/v1/agents/stream?key=" + self->impl_->key,
                                    [self](beast::error_code hec) {
                                      if (hec) {
                                        std::fprintf(stderr, "agent %s: handshake: %s\n", self->user_id_.c_str(),
                                                     hec.message().c_str());
                                        return;
                                      }
                                      self->connected_ = true;
                                      self->set_presence("available");
                                      self->read();
                                    });
  });
}

void AgentClient::set_presence(std::string_view presence) {
  impl_->outbox.push_back(std::string(R"({"type":"presence","presence":")") + std::string(presence) + "\"}");
  if (connected_ && impl_->outbox.size() == 1) write_next();
}

void AgentClient::write_next() {
  impl_->ws.text(true);
  impl_->ws.async_write(asio::buffer(impl_->outbox.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return;
    self->impl_->outbox.pop_front();
    if (!self->impl_->outbox.empty()) self->write_next();
  });
}

void AgentClient::close() {
  if (!connected_ || impl_->closing) return;
  impl_->closing = true;
  impl_->ws.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
    self->connected_ = false;
  });
}

void AgentClient::read() {
  impl_->ws.async_read(impl_->buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->connected_ = false;
      return;
    }
    auto data = self->impl_->buffer.cdata();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    simdjson::dom::object o;
    if (self->impl_->parser.parse(text.data(), text.size()).get(o) == simdjson::SUCCESS) {
      AgentEvent e;
      std::string_view v;
      if (o["type"].get(v) == simdjson::SUCCESS) e.type = v;
      if (o["call_sid"].get(v) == simdjson::SUCCESS) e.call_sid = v;
      if (o["presence"].get(v) == simdjson::SUCCESS) e.presence = v;
      if (o["outcome"].get(v) == simdjson::SUCCESS) e.outcome = v;
      simdjson::dom::array path;
      if (o["flow_path"].get(path) == simdjson::SUCCESS) {
        for (auto s : path) {
          if (s.get(v) != simdjson::SUCCESS) continue;
          if (!e.flow_path.empty()) e.flow_path += " > ";
          e.flow_path += v;
        }
      }
      self->impl_->buffer.consume(self->impl_->buffer.size());
      if (self->impl_->on_event) self->impl_->on_event(*self, e);
    } else {
      self->impl_->buffer.consume(self->impl_->buffer.size());
    }
    self->read();
  });
}

}  // namespace callrouter::sim
