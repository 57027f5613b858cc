#include "events/event_log.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;

namespace {

std::vector<events::Event> batch(std::initializer_list<const char*> orgs) {
  std::vector<events::Event> out;
  for (const char* org : orgs) out.push_back(events::Event{org, 0, "call.ringing", {}, "CA1", "{}"});
  return out;
}

}  // namespace

TEST_CASE("seqs are per org, continue after restore, and reach consumers once in order") {
  events::EventLog log;
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  log.subscribe([&](const events::Event& e) { seen.emplace_back(e.org_id, e.seq); });
  log.restore("acme", 41);

  auto a = batch({"acme", "beta", "acme"});
  log.number(a);
  CHECK(a[0].seq == 42);
  CHECK(a[1].seq == 1);
  CHECK(a[2].seq == 43);
  CHECK(seen.empty());  // nothing is published before it is durable
  log.committed(a);
  CHECK(seen == std::vector<std::pair<std::string, std::uint64_t>>{{"acme", 42}, {"beta", 1}, {"acme", 43}});
  CHECK(log.last_committed("acme") == 43);
  CHECK(log.last_committed("nobody") == 0);
}

TEST_CASE("a failed write frees every seq not yet durable") {
  events::EventLog log;
  auto durable = batch({"acme"});
  log.number(durable);
  log.committed(durable);  // seq 1

  // Three batches in flight are lost together (the journal fails what was queued behind).
  auto first = batch({"acme"}), second = batch({"acme", "acme"}), third = batch({"beta"});
  log.number(first);
  log.number(second);
  log.number(third);
  CHECK(second[1].seq == 4);
  log.failed();
  auto retry = batch({"acme", "acme", "acme", "beta"});
  log.number(retry);
  CHECK(retry[0].seq == 2);
  CHECK(retry[2].seq == 4);
  CHECK(retry[3].seq == 1);
  log.committed(retry);
  CHECK(log.last_committed("acme") == 4);
  CHECK(log.last_committed("beta") == 1);
}
