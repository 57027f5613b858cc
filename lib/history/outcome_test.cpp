#include "history/outcome.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::history;

TEST_CASE("outcome: a live call has none; a person answering wins over everything after") {
  OutcomeFacts f;
  CHECK_FALSE(classify(f));
  f.ended = true;
  f.connected = true;
  f.abandoned_in_queue = true;  // queued, moved to an agent, then put back and abandoned: still taken
  f.disposition = "answered";
  CHECK(classify(f) == Outcome::answered);
}

TEST_CASE("outcome: an inbound call the provider answered (flow played) but nobody took is missed, not answered") {
  OutcomeFacts f;
  f.ended = true;
  f.missed = true;
  f.disposition = "answered";  // the known gap of docs/events.md: the provider's view
  CHECK(classify(f) == Outcome::missed);
  CHECK(counts_as_missed(*classify(f)));
}

TEST_CASE("outcome: voicemail, abandoned, rejected, failed and outbound unanswered") {
  OutcomeFacts f;
  f.ended = true;
  f.voicemail = true;
  CHECK(classify(f) == Outcome::voicemail);
  CHECK_FALSE(counts_as_missed(Outcome::voicemail));
  f.voicemail = false;
  f.abandoned_in_queue = true;
  f.missed = true;
  CHECK(classify(f) == Outcome::abandoned);
  CHECK(counts_as_missed(Outcome::abandoned));
  f = OutcomeFacts{};
  f.ended = true;
  f.disposition = "rejected";
  CHECK(classify(f) == Outcome::rejected);
  f.disposition = "failed";
  CHECK(classify(f) == Outcome::failed);
  f.disposition = "missed";  // busy / no-answer at the provider
  CHECK(classify(f) == Outcome::missed);
  f.inbound = false;
  CHECK(classify(f) == Outcome::unanswered);
  CHECK_FALSE(counts_as_missed(Outcome::unanswered));
}

TEST_CASE("outcome: names round-trip and unknown names are refused") {
  for (auto o : {Outcome::answered, Outcome::missed, Outcome::abandoned, Outcome::voicemail, Outcome::rejected,
                 Outcome::failed, Outcome::unanswered}) {
    CHECK(parse_outcome(outcome_name(o)) == o);
  }
  CHECK_FALSE(parse_outcome("Answered"));
  CHECK_FALSE(parse_outcome(""));
}
