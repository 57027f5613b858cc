#include "runtime/commit_path.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <sys/resource.h>

#include <csignal>

#include "journal_loop.hpp"
#include "store/event_records.hpp"

using namespace callrouter;
using callrouter::testing::Loop;
using callrouter::testing::TempDir;

namespace {

runtime::Change change_with(std::string org, std::string sid, std::initializer_list<const char*> types) {
  runtime::Change c;
  c.records.push_back({store::Cf::calls, store::make_key({org, sid}), store::encode_value("{}")});
  for (const char* t : types) c.events.push_back(events::Event{org, 0, t, {}, sid, R"({"sid":")" + sid + R"("})"});
  return c;
}

}  // namespace

TEST_CASE("submit journals events with their records and publishes them before done, in seq order") {
  TempDir dir;
  std::vector<std::string> order;
  {
    Loop loop;
    auto journal = store::Journal::open(dir.path, Durability::fsync, loop.post());
    REQUIRE(journal);
    events::EventLog log;
    log.subscribe([&](const events::Event& e) { order.push_back(fmt::format("event {} {}", e.seq, e.type)); });
    runtime::CommitPath commit(**journal, log);
    int done = 0;
    commit.submit(change_with("acme", "CA1", {"call.ringing"}), [&](bool durable) {
      CHECK(durable);
      order.push_back("done CA1");
      ++done;
    });
    commit.submit(change_with("acme", "CA2", {"call.ringing", "call.ended"}), [&](bool durable) {
      CHECK(durable);
      order.push_back("done CA2");
      ++done;
    });
    commit.submit(store::WriteSet{}, [&](bool) { ++done; });  // no events: nothing published
    loop.run_until([&] { return done == 3; });
    REQUIRE(done == 3);
    (*journal)->close();
  }
  CHECK(order == std::vector<std::string>{"event 1 call.ringing", "done CA1", "event 2 call.ringing",
                                          "event 3 call.ended", "done CA2"});

  // After a restart the journal holds exactly those events, and numbering continues after them.
  Loop loop;
  auto journal = store::Journal::open(dir.path, Durability::fsync, loop.post());
  REQUIRE(journal);
  CHECK(store::last_event_seq(**journal, "acme") == 3);
  CHECK(store::last_event_seq(**journal, "acm") == 0);  // a prefix of another org's id is not that org
  auto stored = store::read_events(**journal, "acme", 1, 10);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].find(R"("seq":2)") != std::string::npos);
  CHECK(stored[0].find(R"("id":"ev_acme_2")") != std::string::npos);
  CHECK(stored[1].find(R"("type":"call.ended")") != std::string::npos);
  CHECK(store::read_events(**journal, "acme", 3, 10).empty());
  CHECK(store::read_events(**journal, "acme", 0, 1).size() == 1);
}

namespace {

// Every write past one byte fails with EFBIG, as on a full disk, until the object goes away.
struct FileSizeLimit {
  rlimit before{};
  FileSizeLimit() {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &before);
    rlimit one = before;
    one.rlim_cur = 1;
    setrlimit(RLIMIT_FSIZE, &one);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &before); }
};

}  // namespace

TEST_CASE("a refused write undoes every change in flight, newest first, and frees their seqs") {
  TempDir dir;
  Loop loop;
  auto journal = store::Journal::open(dir.path, Durability::fsync, loop.post());
  REQUIRE(journal);
  events::EventLog log;
  std::vector<std::uint64_t> published;
  log.subscribe([&](const events::Event& e) { published.push_back(e.seq); });
  runtime::CommitPath commit(**journal, log);
  std::vector<std::string> order;
  auto note = [&](std::string name) { return [&order, name](bool durable) { order.push_back(name + (durable ? " ok" : " undone")); }; };

  commit.submit(change_with("acme", "CA1", {"call.ringing"}), note("A"));
  loop.run_until([&] { return order.size() == 1; });
  REQUIRE(order == std::vector<std::string>{"A ok"});
  {
    FileSizeLimit full;
    // Three changes in flight when the refusal reaches the loop (one loop turn, so the test does
    // not depend on how fast the journal thread fails).
    commit.submit(change_with("acme", "CA2", {"call.ringing"}), note("B"));
    commit.submit(change_with("acme", "CA3", {"call.ringing", "call.ended"}), note("C"));
    commit.submit(change_with("acme", "CA4", {"call.ringing"}), note("D"));
    CHECK(commit.in_flight() == 3);
    loop.run_until([&] { return order.size() == 4; });
    CHECK(commit.in_flight() == 0);
  }
  CHECK(order == std::vector<std::string>{"A ok", "D undone", "C undone", "B undone"});
  // The disk takes writes again: numbering goes on right after the last durable event.
  bool done = false;
  for (int attempt = 0; attempt < 50 && !done; ++attempt) {
    bool durable = false;
    bool finished = false;
    commit.submit(change_with("acme", "CA5", {"call.ringing"}), [&](bool d) { durable = d, finished = true; });
    loop.run_until([&] { return finished; });
    done = durable;  // the journal may need a turn or two to reopen after the error
  }
  REQUIRE(done);
  CHECK(published == std::vector<std::uint64_t>{1, 2});
  (*journal)->close();
  CHECK(store::read_events(**journal, "acme", 0, 10).size() == 2);
}

TEST_CASE("derived records are written in their event's batch, with the event's seq") {
  TempDir dir;
  Loop loop;
  auto journal = store::Journal::open(dir.path, Durability::fsync, loop.post());
  REQUIRE(journal);
  events::EventLog log;
  runtime::CommitPath commit(**journal, log);
  commit.add_derived([](const events::Event& e, store::WriteSet& records) {
    if (e.type != "call.ended") return;
    records.push_back({store::Cf::calls_by_time, store::make_key({e.org_id, "ended", e.call_sid}),
                       store::encode_value(std::to_string(e.seq))});
  });
  bool finished = false;
  commit.submit(change_with("acme", "CA1", {"call.ringing", "call.ended"}), [&](bool d) { CHECK(d); finished = true; });
  loop.run_until([&] { return finished; });
  REQUIRE(finished);
  auto stored = (*journal)->get(store::Cf::calls_by_time, store::make_key({"acme", "ended", "CA1"}));
  REQUIRE(stored);
  CHECK(store::decode_value(*stored) == std::optional<std::string_view>("2"));
  CHECK_FALSE((*journal)->get(store::Cf::calls_by_time, store::make_key({"acme", "ended", "CA2"})));
  (*journal)->close();
}
