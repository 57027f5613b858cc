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

TEST_CASE("a failed write frees every seq not yet durable, once per failure") {
  events::EventLog log;
  auto durable = batch({"acme"});
  log.number(durable);
  log.committed(durable);  // seq 1

  // Three batches in flight; the journal fails the first and, with it, the two queued behind it.
  auto first = batch({"acme"}), second = batch({"acme", "acme"}), third = batch({"beta"});
  auto e1 = log.number(first);
  auto e2 = log.number(second);
  auto e3 = log.number(third);
  CHECK(second[1].seq == 4);
  log.failed(e1);
  // A batch built after the loop saw the failure reuses the freed seqs...
  auto retry = batch({"acme", "acme", "acme"});
  auto e4 = log.number(retry);
  CHECK(retry[0].seq == 2);
  CHECK(retry[2].seq == 4);
  // ...and the doomed batches' own failures do not free them again.
  log.failed(e2);
  log.failed(e3);
  auto next = batch({"acme", "beta"});
  log.number(next);
  CHECK(next[0].seq == 5);
  CHECK(next[1].seq == 1);
  log.committed(retry);
  log.committed(next);
  CHECK(log.last_committed("acme") == 5);
  CHECK(e4 != e1);
}
