// The durable baseline for the end-to-end benchmark: bench/bare_server.cpp plus the least a
// server can do to make each webhook durable before it answers — one RocksDB record per request
// (the request body under a sequence number), written with fsync by a second thread that groups
// whatever the event loop queued meanwhile (one write in flight), answers handed back to the loop
// in one post per group. No parsing beyond HTTP, no signature, no routing: what is left between
// this and callrouterd is the daemon's own work.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kTwiml =
    R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say language="ja-JP" voice="Polly.Mizuki">)"
    "お電話ありがとうございます。</Say><Hangup/></Response>";

// Group commit: records queued during one loop turn go to the writer thread together; turns that
// queue up while a write+fsync runs share the next one.
class GroupCommit {
 public:
  using Done = std::function<void()>;
  GroupCommit(asio::io_context& io, rocksdb::DB* db) : io_(io), db_(db), writer_([this] { run(); }) {}
  ~GroupCommit() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }

  // Loop thread only.
  void append(std::string value, Done done) {
    turn_.values.push_back(std::move(value));
    turn_.done.push_back(std::move(done));
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    asio::post(io_, [this] {
      flush_scheduled_ = false;
      {
        std::lock_guard lock(mutex_);
        queued_.push_back(std::move(turn_));
      }
      turn_ = {};
      wake_.notify_one();
    });
  }

 private:
  struct Group {
    std::vector<std::string> values;
    std::vector<Done> done;
  };

  void run() {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    for (;;) {
      std::vector<Group> groups;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
        if (queued_.empty()) return;
        groups.swap(queued_);
      }
      rocksdb::WriteBatch batch;
      std::vector<Done> done;
      for (auto& g : groups) {
        for (auto& v : g.values) {
          char key[8];
          for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(next_key_ >> (56 - 8 * i));
          ++next_key_;
          batch.Put(rocksdb::Slice(key, sizeof key), v);
        }
        for (auto& d : g.done) done.push_back(std::move(d));
      }
      if (auto st = db_->Write(sync, &batch); !st.ok()) {
        std::fprintf(stderr, "durable_server: write failed: %s\n", st.ToString().c_str());
        std::abort();  // a baseline that loses writes measures nothing
      }
      asio::post(io_, [done = std::move(done)] {
        for (const auto& d : done) d();
      });
    }
  }

  asio::io_context& io_;
  rocksdb::DB* db_;
  Group turn_;                   // loop thread only
  bool flush_scheduled_ = false;  // loop thread only
  std::uint64_t next_key_ = 0;   // writer thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Group> queued_;
  bool stopping_ = false;
  std::thread writer_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket s, GroupCommit& journal) : stream_(std::move(s)), journal_(journal) {}
  void read() {
    parser_.emplace();
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto& body = self->parser_->get().body();
      self->journal_.append(std::move(body), [self] { self->write(); });
    });
  }

 private:
  void write() {
    const auto& req = parser_->get();
    res_.emplace();
    res_->version(11);
    res_->result(http::status::ok);
    res_->set(http::field::server, "durable");
    res_->set(http::field::content_type, "text/xml");
    res_->keep_alive(req.keep_alive());
    res_->body() = kTwiml;
    res_->prepare_payload();
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->res_->keep_alive()) return;
      self->read();
    });
  }

  beast::tcp_stream stream_;
  GroupCommit& journal_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
};

void accept(tcp::acceptor& acceptor, GroupCommit& journal) {
  acceptor.async_accept([&acceptor, &journal](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(socket), journal)->read();
    accept(acceptor, journal);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 8091;
  std::string dir;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--port") port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    if (a == "--data") dir = argv[i + 1];
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: durable_server --data DIR [--port N]\n");
    return 2;
  }
  // The same memtable size callrouterd uses (lib/store/journal.cpp), so inserts cost alike.
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 8 << 20;
  rocksdb::DB* raw = nullptr;
  if (auto st = rocksdb::DB::Open(options, dir, &raw); !st.ok()) {
    std::fprintf(stderr, "durable_server: cannot open %s: %s\n", dir.c_str(), st.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  asio::io_context io(1);
  std::optional<GroupCommit> journal(std::in_place, io, db.get());
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  acceptor.listen(asio::socket_base::max_listen_connections);
  accept(acceptor, *journal);
  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](beast::error_code, int) { io.stop(); });
  std::printf("durable_server listening on 127.0.0.1:%u, journal in %s\n", acceptor.local_endpoint().port(), dir.c_str());
  std::fflush(stdout);
  io.run();
  journal.reset();
  return 0;
}
