// Test support: a stand-in event loop for the journal's completions, and a temp data dir.
// Shared by the journal and commit-path tests.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "store/journal.hpp"

namespace callrouter::testing {

// A stand-in event loop: completions posted by the journal thread queue here and run on run_one().
struct Loop {
  std::mutex m;
  std::deque<std::function<void()>> q;
  store::Journal::Post post() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(m);
      q.push_back(std::move(fn));
    };
  }
  bool run_one() {
    std::function<void()> fn;
    {
      std::lock_guard lock(m);
      if (q.empty()) return false;
      fn = std::move(q.front());
      q.pop_front();
    }
    fn();
    return true;
  }
  // Runs until `done` or a generous deadline.
  template <class Pred>
  void run_until(Pred done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      if (!run_one()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/callrouter-journal-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};


}  // namespace callrouter::testing
