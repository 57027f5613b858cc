// CallQueues: service order (priority, then arrival), max_callers per queue, places in line, and
// every caller leaving exactly once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "acd/call_queue.hpp"

using namespace callrouter;
using namespace callrouter::acd;

namespace {

Timestamp at(int s) { return Timestamp{std::chrono::seconds(s)}; }

std::vector<std::string> service_order(CallQueues& q) {
  std::vector<std::string> seen;
  q.serve([&](const QueuedCaller& c) -> std::optional<bool> {
    seen.push_back(c.call_id);
    return false;
  });
  return seen;
}

}  // namespace

TEST_CASE("callers are served by priority, then by arrival, across queues", "[acd][queue]") {
  CallQueues q;
  REQUIRE(q.enqueue("a", "main/sales", 0, 10, at(1)) == EnqueueResult::queued);
  REQUIRE(q.enqueue("b", "main/support", 0, 10, at(2)) == EnqueueResult::queued);
  REQUIRE(q.enqueue("vip", "main/vip", 5, 10, at(3)) == EnqueueResult::queued);
  REQUIRE(q.enqueue("low", "main/sales", -1, 10, at(4)) == EnqueueResult::queued);
  CHECK(service_order(q) == std::vector<std::string>{"vip", "a", "b", "low"});
  CHECK(q.position("a") == 1u);
  CHECK(q.position("low") == 2u);
  CHECK(q.position("b") == 1u);  // places count within the caller's own queue
  CHECK_FALSE(q.position("nobody"));
}

TEST_CASE("max_callers applies per queue and a caller is queued once", "[acd][queue]") {
  CallQueues q;
  REQUIRE(q.enqueue("a", "x", 0, 2, at(0)) == EnqueueResult::queued);
  REQUIRE(q.enqueue("b", "x", 0, 2, at(0)) == EnqueueResult::queued);
  CHECK(q.enqueue("c", "x", 0, 2, at(0)) == EnqueueResult::full);
  CHECK(q.enqueue("c", "y", 0, 2, at(0)) == EnqueueResult::queued);
  CHECK(q.enqueue("a", "y", 0, 0, at(0)) == EnqueueResult::already_queued);
  CHECK(q.size("x") == 2);
  CHECK(q.leave("a"));
  CHECK_FALSE(q.leave("a"));
  CHECK(q.enqueue("d", "x", 0, 2, at(0)) == EnqueueResult::queued);
  CHECK(q.size() == 3);
}

TEST_CASE("serve removes the callers taken and can stop early", "[acd][queue]") {
  CallQueues q;
  for (const char* id : {"a", "b", "c", "d"}) q.enqueue(id, "x", 0, 0, at(0));
  auto taken = q.serve([](const QueuedCaller& c) -> std::optional<bool> {
    if (c.call_id == "c") return std::nullopt;  // nobody can take anyone now
    return c.call_id == "b";
  });
  CHECK(taken == 1);
  CHECK(service_order(q) == std::vector<std::string>{"a", "c", "d"});
}

TEST_CASE("a caller put back keeps their place in line", "[acd][queue]") {
  CallQueues q;
  for (const char* id : {"a", "b", "c"}) q.enqueue(id, "x", 0, 0, at(0));
  QueuedCaller first = *q.find("a");
  q.serve([](const QueuedCaller& c) -> std::optional<bool> { return c.call_id == "a"; });
  CHECK(q.position("b") == 1u);
  CHECK(q.restore(first));
  CHECK_FALSE(q.restore(first));
  CHECK(service_order(q) == std::vector<std::string>{"a", "b", "c"});
  CHECK(q.size("x") == 3);
}
