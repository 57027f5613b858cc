#include "store/workflow_records.hpp"

#include <catch2/catch.hpp>

#include "journal_loop.hpp"
#include "store/event_records.hpp"

using namespace callrouter;
using namespace callrouter::store;
using namespace std::string_literals;
using namespace std::chrono_literals;

TEST_CASE("workflow keys keep their byte layouts") {
  CHECK(workflow_key("demo", "missed") == "demo\0workflow\0missed"s);
  CHECK(delivery_key("demo", "missed", 42) == "demo\0wf-delivery\0missed\0" "00000000000000000042"s);
  CHECK(pending_delivery_key("demo", 42, "missed") == "demo\0wf-pending\0" "00000000000000000042\0missed"s);
  CHECK(erase_workflow("demo", "missed").cf == Cf::config);
}

TEST_CASE("deliveries: the pending index holds what is owed, the log keeps everything") {
  testing::TempDir dir;
  testing::Loop loop;
  auto journal = Journal::open(dir.path, Durability::none, loop.post());
  REQUIRE(journal);
  const Timestamp t0 = Timestamp{} + 1'800'000'000s;
  auto delivery = [&](std::string org, std::uint64_t seq, std::string wf) {
    workflows::Delivery d;
    d.org_id = std::move(org);
    d.event_seq = seq;
    d.workflow_id = std::move(wf);
    d.event_type = "call.missed";
    d.call_sid = "CA1";
    d.created_at = d.next_attempt_at = d.window_start = t0;
    return d;
  };
  WriteSet ops;
  for (std::uint64_t seq : {3, 1, 2}) put_delivery(delivery("demo", seq, "a"), ops);
  put_delivery(delivery("demo", 2, "b"), ops);
  put_delivery(delivery("demo2", 1, "a"), ops);  // "demo␀" never matches "demo2␀"
  auto done = delivery("demo", 1, "a");
  done.status = workflows::DeliveryStatus::delivered;
  put_delivery(done, ops);  // later in the batch: delivered, out of the index
  REQUIRE((*journal)->write_now(ops));

  auto pending = read_pending_deliveries(**journal, "demo");
  std::vector<std::pair<std::uint64_t, std::string>> got;
  for (const auto& d : pending) got.emplace_back(d.event_seq, d.workflow_id);
  CHECK(got == std::vector<std::pair<std::uint64_t, std::string>>{{2, "a"}, {2, "b"}, {3, "a"}});
  auto log = read_deliveries(**journal, "demo", "a", 0, 10);
  REQUIRE(log.size() == 3);
  CHECK(log[0].status == workflows::DeliveryStatus::delivered);
  CHECK(read_deliveries(**journal, "demo", "a", 1, 1).front().event_seq == 2);
  CHECK(read_delivery(**journal, "demo2", "a", 1));
  CHECK_FALSE(read_delivery(**journal, "demo", "a", 9));
}

TEST_CASE("deliveries: an event reads back for its webhook body") {
  testing::TempDir dir;
  testing::Loop loop;
  auto journal = Journal::open(dir.path, Durability::none, loop.post());
  REQUIRE(journal);
  events::Event e{"demo", 5, "call.missed", Timestamp{} + 1'800'000'000s, "CA9", R"({"sid":"CA9","duration_s":null})"};
  REQUIRE((*journal)->write_now({put_event(e)}));
  auto back = read_event(**journal, "demo", 5);
  REQUIRE(back);
  CHECK(events::to_json(*back) == events::to_json(e));
  CHECK_FALSE(read_event(**journal, "demo", 6));
}
