#include "ops/backup_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "common/json_writer.hpp"
#include "ops/system_key.hpp"
#include "store/journal.hpp"

namespace callrouter::ops {

Expected<Ok> request_backup(const Config& config, const std::filesystem::path& dir) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    // The daemon answers once the checkpoint is complete: allow for a large flush.
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(config.listen_address), config.listen_port));
    http::request<http::string_body> req{http::verb::post, "/v1/system/backup", 11};
    req.set(http::field::host, config.listen_address);
    req.set(http::field::authorization, "Bearer " + load_system_key(config));
    req.set(http::field::content_type, "application/json");
    JsonWriter body;
    body.begin_object().field("dir", dir.string()).end_object();
    req.body() = body.take();
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (res.result_int() != 201) return unexpected(fmt::format("backup refused ({}): {}", res.result_int(), res.body()));
    return Ok{};
  } catch (const std::exception& e) {
    return unexpected(fmt::format("journal is locked and the daemon did not answer: {}", e.what()));
  }
}

Expected<BackupWritten> write_backup(const Config& config, const std::filesystem::path& dir_arg) {
  auto dir = std::filesystem::absolute(dir_arg);
  if (std::filesystem::exists(dir)) return unexpected(fmt::format("{} already exists", dir.string()));
  auto journal = store::Journal::open(config.data_dir, Durability::fsync, [](std::function<void()> fn) { fn(); });
  if (!journal) {
    // RocksDB's LOCK file: a daemon has the journal open, so it makes the copy.
    if (journal.error().find("lock") == std::string::npos) return unexpected(journal.error());
    auto asked = request_backup(config, dir);
    if (!asked) return unexpected(asked.error());
    return BackupWritten{dir, true};
  }
  auto done = (*journal)->checkpoint(dir);
  if (!done) return unexpected("backup failed: " + done.error());
  return BackupWritten{dir, false};
}

}  // namespace callrouter::ops
