#include "sim/provider_rest.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <optional>
#include <regex>

#include "common/json_writer.hpp"
#include "provider/twilio/form.hpp"
#include "sim/signed_request.hpp"

namespace callrouter::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Answer {
  unsigned status = 200;
  std::string body;
};

Answer not_found(std::string_view path) {
  // Twilio's error shape.
  return {404, fmt::format(R"({{"code":20404,"message":"The requested resource {} was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}})",
                           path)};
}

std::string now_rfc2822() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string call_resource(std::string_view account, std::string_view sid, std::string_view to, std::string_view from,
                          std::string_view status) {
  JsonWriter w;
  w.begin_object()
      .field("sid", sid)
      .field("account_sid", account)
      .field("to", to)
      .field("from", from)
      .field("status", status)
      .field("direction", "outbound-api")
      .field("api_version", "2010-04-01")
      .field("date_created", now_rfc2822())
      .field("date_updated", now_rfc2822())
      .field("uri", fmt::format("/2010-04-01/Accounts/{}/Calls/{}.json", account, sid))
      .end_object();
  return w.take();
}

// Plausible numbers for a country and type: E.164 with the country's code, deterministic.
std::string available_numbers(std::string_view country, std::string_view type, std::string_view contains) {
  std::string prefix = country == "JP" ? "+8150" : country == "US" ? "+1415" : country == "GB" ? "+4420" : "+49301";
  if (type == "Mobile") prefix = country == "JP" ? "+8170" : country == "GB" ? "+447" : prefix;
  if (type == "TollFree") prefix = country == "JP" ? "+81120" : country == "US" ? "+1800" : prefix;
  JsonWriter w;
  w.begin_object().key("available_phone_numbers").begin_array();
  for (int i = 0; i < 20; ++i) {
    auto number = fmt::format("{}{:0{}d}", prefix, 5550100 + i * 37, prefix.size() > 5 ? 7 : 8);
    if (!contains.empty() && number.find(contains) == std::string::npos) continue;
    w.begin_object()
        .field("friendly_name", number)
        .field("phone_number", number)
        .field("iso_country", country)
        .field("region", country == "JP" ? "Tokyo" : "")
        .field("locality", "")
        .field("address_requirements", country == "JP" ? "local" : "none")
        .field("beta", false);
    w.key("capabilities").begin_object().field("voice", true).field("SMS", false).field("MMS", false).end_object();
    w.end_object();
  }
  w.end_array().field("uri", fmt::format("/2010-04-01/Accounts/AC/AvailablePhoneNumbers/{}/{}.json", country, type));
  w.end_object();
  return w.take();
}

}  // namespace

struct ProviderRest::Impl : std::enable_shared_from_this<ProviderRest::Impl> {
  Impl(CallUpdate u, CallCreate c, RestCounters& counters_, int port)
      : acceptor(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}), on_update(std::move(u)), on_create(std::move(c)),
        counters(counters_) {}

  Answer answer(const http::request<http::string_body>& req) {
    const std::string target(req.target());
    const auto path = target.substr(0, target.find('?'));
    if (req[http::field::authorization].empty()) {
      return {401, R"({"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401})"};
    }
    static const std::regex update(R"(^/2010-04-01/Accounts/(AC[0-9a-f]+)/Calls/(CA[0-9a-f]+)\.json$)");
    static const std::regex create(R"(^/2010-04-01/Accounts/(AC[0-9a-f]+)/Calls\.json$)");
    static const std::regex search(R"(^/2010-04-01/Accounts/(AC[0-9a-f]+)/AvailablePhoneNumbers/([A-Z]{2})/(Local|Mobile|TollFree)\.json$)");
    static const std::regex purchase(R"(^/2010-04-01/Accounts/(AC[0-9a-f]+)/IncomingPhoneNumbers\.json$)");
    std::smatch m;
    auto form = twilio::parse_form(req.body());
    auto param = [&](std::string_view name) {
      return form ? std::string(form->get(name).value_or("")) : std::string();
    };
    if (req.method() == http::verb::post && std::regex_match(path, m, update)) {
      ++counters.call_updates;
      auto twiml = param("Twiml");
      if (!twiml.empty() && on_update) on_update(m[2], twiml);
      return {200, call_resource(m[1].str(), m[2].str(), "", "", "in-progress")};
    }
    if (req.method() == http::verb::post && std::regex_match(path, m, create)) {
      ++counters.call_creates;
      auto sid = call_sid(next_sid++, 'C', 'A');
      if (on_create) on_create(sid, param("To"), param("From"), param("Url"));
      return {201, call_resource(m[1].str(), sid, param("To"), param("From"), "queued")};
    }
    if (req.method() == http::verb::get && std::regex_match(path, m, search)) {
      ++counters.number_searches;
      std::string contains;
      if (auto q = target.find('?'); q != std::string::npos) {
        if (auto f = twilio::parse_form(std::string_view(target).substr(q + 1))) contains = f->get("Contains").value_or("");
      }
      return {200, available_numbers(m[2].str(), m[3].str(), contains)};
    }
    if (req.method() == http::verb::post && std::regex_match(path, m, purchase)) {
      ++counters.number_purchases;
      auto number = param("PhoneNumber");
      if (number.empty()) {
        return {400, R"({"code":21421,"message":"PhoneNumber is required","more_info":"https://www.twilio.com/docs/errors/21421","status":400})"};
      }
      JsonWriter w;
      w.begin_object()
          .field("sid", fmt::format("PN{:032x}", next_sid++))
          .field("account_sid", m[1].str())
          .field("phone_number", number)
          .field("friendly_name", number)
          .field("voice_url", param("VoiceUrl"))
          .field("status", "in-use")
          .field("date_created", now_rfc2822())
          .end_object();
      return {201, w.take()};
    }
    ++counters.other;
    return not_found(path);
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Session>(std::move(socket), self)->read();
      self->accept();
    });
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket s, std::shared_ptr<Impl> o) : stream(std::move(s)), owner(std::move(o)) {}
    void read() {
      req = {};
      http::async_read(stream, buffer, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;
        auto a = self->owner->answer(self->req);
        self->res = {};
        self->res.version(11);
        self->res.result(a.status);
        self->res.set(http::field::content_type, "application/json");
        self->res.keep_alive(self->req.keep_alive());
        self->res.body() = std::move(a.body);
        self->res.prepare_payload();
        http::async_write(self->stream, self->res, [self](beast::error_code wec, std::size_t) {
          if (!wec && self->res.keep_alive()) self->read();
        });
      });
    }
    beast::tcp_stream stream;
    std::shared_ptr<Impl> owner;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  asio::io_context io{1};
  tcp::acceptor acceptor;
  CallUpdate on_update;
  CallCreate on_create;
  RestCounters& counters;
  std::uint64_t next_sid = 1'000'000'000;
};

ProviderRest::ProviderRest(CallUpdate on_update, CallCreate on_create, int port)
    : impl_(std::make_shared<Impl>(std::move(on_update), std::move(on_create), counters_, port)) {
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  thread_ = std::thread([impl = impl_] { impl->io.run(); });
}

ProviderRest::~ProviderRest() {
  impl_->io.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace callrouter::sim
