#include "nats/ack_window.hpp"

#include <catch2/catch.hpp>

using callrouter::nats::AckWindow;

TEST_CASE("the cursor moves over the unbroken run of acknowledged seqs") {
  AckWindow w(10, 15);  // 11..15 in flight
  CHECK(w.cursor() == 10);
  w.acked(12);  // out of order: 11 still open
  CHECK(w.cursor() == 10);
  w.acked(11);
  CHECK(w.cursor() == 12);
  w.acked(14);
  w.acked(15);
  CHECK(w.cursor() == 12);  // 13 lost: 14 and 15 go again (JetStream drops them as duplicates)
  CHECK_FALSE(w.complete());
  w.acked(13);
  CHECK(w.cursor() == 15);
  CHECK(w.complete());
}

TEST_CASE("acks outside the window and repeated acks change nothing") {
  AckWindow w(0, 3);
  w.acked(0);
  w.acked(4);
  w.acked(99);
  CHECK(w.cursor() == 0);
  w.acked(1);
  w.acked(1);
  CHECK(w.cursor() == 1);
}

TEST_CASE("an empty window is complete at its cursor") {
  AckWindow w(7, 7);
  CHECK(w.complete());
  CHECK(w.cursor() == 7);
  AckWindow backwards(7, 3);  // nothing after the cursor
  CHECK(backwards.complete());
  CHECK(backwards.cursor() == 7);
}
