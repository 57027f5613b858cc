#include <catch2/catch.hpp>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "flow/flow_diff.hpp"

using namespace callrouter::flow;

namespace {

// The FLOWS.md example, the usual "from" side.
const std::string kFlow = R"({
  "name": "Main line",
  "description": "Reception for the Tokyo office",
  "start": "greeting",
  "states": [
    {"id": "greeting", "type": "say",
     "say": {"text": "お電話ありがとうございます。", "language": "ja-JP", "voice": "Polly.Mizuki"},
     "next": "hours"},
    {"id": "hours", "type": "business_hours", "timezone": "Asia/Tokyo",
     "weekly": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
                "thu": [["09:00", "18:00"]], "fri": [["09:00", "12:00"], ["13:00", "18:00"]]},
     "closed_dates": ["2026-12-31", "2027-01-01"],
     "on": {"open": "menu", "closed": "after_hours"}},
    {"id": "menu", "type": "menu",
     "prompt": {"text": "営業は1を、サポートは2を押してください。", "language": "ja-JP"},
     "options": {"1": "sales", "2": "support"},
     "timeout_s": 5, "attempts": 3,
     "on": {"no_input": "support", "invalid": "support"}},
    {"id": "sales", "type": "ring_group", "group": "sales", "strategy": "round_robin",
     "ring_timeout_s": 20, "record": true,
     "queue": {"max_callers": 10, "max_wait_s": 180, "music_url": "https://example.com/hold.mp3",
               "announcement": {"text": "Your call is important to us."}, "announce_every_s": 30},
     "on": {"no_answer": "after_hours", "queue_full": "after_hours", "timeout": "after_hours"}},
    {"id": "support", "type": "ring_user", "user": "u_sato", "ring_timeout_s": 25,
     "on": {"no_answer": "after_hours", "busy": "after_hours", "unavailable": "after_hours"}},
    {"id": "after_hours", "type": "voicemail",
     "greeting": {"text": "ただいま電話に出ることができません。"},
     "max_length_s": 120, "notify": {"group": "sales"}, "next": "bye"},
    {"id": "bye", "type": "hangup"}
  ]
})";

const std::string kIdentical =
    R"({"flow":{"changed":[]},"start":null,"states":{"added":[],"removed":[],"changed":[]},"identical":true})";

// Replaces the single occurrence of `from` in `s`; fails the test if it is not exactly one.
std::string edit(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(s.find(from, at + 1) == std::string::npos);
  return s.replace(at, from.size(), to);
}

// A successful diff, parsed back so tests can look inside.
struct Parsed {
  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element root;

  // Elements point into the parser's document, so a Parsed never moves.
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;
  explicit Parsed(std::string json) : text(std::move(json)) {
    REQUIRE(parser.parse(text).get(root) == simdjson::SUCCESS);
  }
  bool identical() { return root["identical"].get_bool().value(); }
  std::vector<std::string> ids(const char* list) {
    std::vector<std::string> out;
    simdjson::dom::array arr = root["states"][list].get_array().value();
    for (auto e : arr) out.emplace_back(e.get_string().value());
    return out;
  }
  std::size_t count(const char* list) { return root["states"][list].get_array().value().size(); }
  std::string json(simdjson::dom::element e) { return simdjson::to_string(e); }
  std::string json_at(const char* pointer) { return simdjson::to_string(root.at_pointer(pointer).value()); }
};

Parsed diff(const std::string& a, const std::string& b) {
  auto r = diff_flows(a, b);
  if (!r) FAIL("diff failed: " << r.error());
  return Parsed(std::move(*r));
}

}  // namespace

TEST_CASE("diff: the same flow is identical, whatever its layout or key order") {
  CHECK(diff_flows(kFlow, kFlow).value() == kIdentical);
  const std::string compact =
      R"({"states":[{"type":"hangup","id":"bye"}],"start":"bye","name":"n"})";
  const std::string spaced =
      "{ \"name\" : \"n\",\n \"start\": \"bye\",\n \"states\": [ {\"id\": \"bye\", \"type\": \"hangup\"} ] }";
  CHECK(diff_flows(compact, spaced).value() == kIdentical);
  // Nested objects compare by content, not member order.
  auto reordered = edit(kFlow, R"("max_callers": 10, "max_wait_s": 180)", R"("max_wait_s": 180, "max_callers": 10)");
  reordered = edit(reordered, R"("on": {"open": "menu", "closed": "after_hours"})",
                   R"("on": {"closed": "after_hours", "open": "menu"})");
  CHECK(diff_flows(kFlow, reordered).value() == kIdentical);
}

TEST_CASE("diff: reordering states alone is not a change") {
  const std::string a = R"({"start":"x","states":[{"id":"x","type":"say","say":{"text":"a"},"next":"y"},{"id":"y","type":"hangup"}]})";
  const std::string b = R"({"start":"x","states":[{"id":"y","type":"hangup"},{"id":"x","type":"say","next":"y","say":{"text":"a"}}]})";
  CHECK(diff_flows(a, b).value() == kIdentical);
}

TEST_CASE("diff: a changed menu option, exact output") {
  auto to = edit(kFlow, R"("options": {"1": "sales", "2": "support"})", R"("options": {"1": "sales", "2": "bye", "3": "support"})");
  CHECK(diff_flows(kFlow, to).value() ==
        R"({"flow":{"changed":[]},"start":null,"states":{"added":[],"removed":[],"changed":[)"
        R"({"id":"menu","fields":[{"path":"options.2","change":"changed","from":"support","to":"bye"},)"
        R"({"path":"options.3","change":"added","to":"support"}]}]},"identical":false})");
}

TEST_CASE("diff: rename, type change, start and name together, exact output") {
  const std::string a = R"({"name":"Old","description":"d","start":"hello",
      "states":[{"id":"hello","type":"say","say":{"text":"Hi \"there\""},"next":"bye"},{"id":"bye","type":"hangup"}]})";
  const std::string b = R"({"name":"New","start":"welcome","extra":{"k":[1,2]},
      "states":[{"id":"welcome","type":"say","say":{"text":"Hi \"there\""},"next":"bye"},{"id":"bye","type":"reject","reason":"busy"}]})";
  CHECK(diff_flows(a, b).value() ==
        R"({"flow":{"changed":[{"field":"description","change":"removed","from":"d"},)"
        R"({"field":"extra","change":"added","to":{"k":[1,2]}},)"
        R"({"field":"name","change":"changed","from":"Old","to":"New"}]},)"
        R"("start":{"from":"hello","to":"welcome"},)"
        R"("states":{"added":["welcome"],"removed":["hello"],"changed":[)"
        R"({"id":"bye","type":{"from":"hangup","to":"reject"},"fields":[{"path":"reason","change":"added","to":"busy"}]}]},)"
        R"("identical":false})");
}

TEST_CASE("diff: nested fields get dotted paths, sorted, with original values") {
  auto to = edit(kFlow, R"("max_wait_s": 180)", R"("max_wait_s": 240)");
  to = edit(to, R"({"text": "Your call is important to us."})", R"({"text": "Please hold.", "language": "en-US"})");
  to = edit(to, R"("voice": "Polly.Mizuki")", R"("voice": "Polly.Takumi")");
  to = edit(to, R"("record": true,)", "");
  auto d = diff(kFlow, to);
  CHECK_FALSE(d.identical());
  CHECK(d.ids("added").empty());
  CHECK(d.ids("removed").empty());
  REQUIRE(d.count("changed") == 2);
  // `to` order: greeting comes before sales.
  CHECK(d.json_at("/states/changed/0") ==
        R"({"id":"greeting","fields":[{"path":"say.voice","change":"changed","from":"Polly.Mizuki","to":"Polly.Takumi"}]})");
  CHECK(d.json_at("/states/changed/1") ==
        R"({"id":"sales","fields":[)"
        R"({"path":"queue.announcement.language","change":"added","to":"en-US"},)"
        R"({"path":"queue.announcement.text","change":"changed","from":"Your call is important to us.","to":"Please hold."},)"
        R"({"path":"queue.max_wait_s","change":"changed","from":180,"to":240},)"
        R"({"path":"record","change":"removed","from":true}]})");
}

TEST_CASE("diff: a nested object present on one side only is reported whole") {
  auto to = edit(kFlow, R"("queue": {"max_callers": 10, "max_wait_s": 180, "music_url": "https://example.com/hold.mp3",
               "announcement": {"text": "Your call is important to us."}, "announce_every_s": 30},)", "");
  auto d = diff(kFlow, to);
  CHECK(d.json_at("/states/changed/0/fields") ==
        R"([{"path":"queue","change":"removed","from":{"max_callers":10,"max_wait_s":180,"music_url":"https://example.com/hold.mp3",)"
        R"("announcement":{"text":"Your call is important to us."},"announce_every_s":30}}])");
  // And an object replaced by a scalar is a change of the whole value.
  auto e = diff(R"({"states":[{"id":"a","play":{"url":"u"}}]})", R"({"states":[{"id":"a","play":"u"}]})");
  CHECK(e.json_at("/states/changed/0/fields") == R"([{"path":"play","change":"changed","from":{"url":"u"},"to":"u"}])");
}

TEST_CASE("diff: arrays are compared as whole values") {
  auto to = edit(kFlow, R"("fri": [["09:00", "12:00"], ["13:00", "18:00"]])", R"("fri": [["09:00", "12:00"], ["13:00", "17:00"]])");
  to = edit(to, R"(["2026-12-31", "2027-01-01"])", R"(["2026-12-31", "2027-01-01", "2027-01-02"])");
  auto d = diff(kFlow, to);
  REQUIRE(d.count("changed") == 1);
  CHECK(d.json_at("/states/changed/0") ==
        R"({"id":"hours","fields":[)"
        R"({"path":"closed_dates","change":"changed","from":["2026-12-31","2027-01-01"],"to":["2026-12-31","2027-01-01","2027-01-02"]},)"
        R"({"path":"weekly.fri","change":"changed","from":[["09:00","12:00"],["13:00","18:00"]],"to":[["09:00","12:00"],["13:00","17:00"]]}]})");
  // Array order is meaningful; equal arrays (with objects in any key order) are not a change.
  CHECK_FALSE(diff(R"({"x":[1,2]})", R"({"x":[2,1]})").identical());
  CHECK(diff(R"({"x":[{"a":1,"b":2}]})", R"({"x":[{"b":2,"a":1}]})").identical());
}

TEST_CASE("diff: states added and removed keep their definition order") {
  const std::string a = R"({"start":"a","states":[{"id":"a","next":"b"},{"id":"b"},{"id":"c"},{"id":"d"}]})";
  const std::string b = R"({"start":"a","states":[{"id":"z"},{"id":"c","type":"hangup"},{"id":"a","next":"y"},{"id":"y"}]})";
  auto d = diff(a, b);
  CHECK(d.ids("added") == std::vector<std::string>{"z", "y"});
  CHECK(d.ids("removed") == std::vector<std::string>{"b", "d"});
  REQUIRE(d.count("changed") == 2);
  CHECK(d.json_at("/states/changed/0") == R"({"id":"c","type":{"from":null,"to":"hangup"},"fields":[]})");
  CHECK(d.json_at("/states/changed/1") == R"({"id":"a","fields":[{"path":"next","change":"changed","from":"b","to":"y"}]})");
}

TEST_CASE("diff: renaming a state is removed plus added, and references to it change") {
  auto to = edit(kFlow, R"("id": "bye")", R"("id": "goodbye")");
  to = edit(to, R"("next": "bye")", R"("next": "goodbye")");
  auto d = diff(kFlow, to);
  CHECK(d.ids("added") == std::vector<std::string>{"goodbye"});
  CHECK(d.ids("removed") == std::vector<std::string>{"bye"});
  REQUIRE(d.count("changed") == 1);
  CHECK(d.json_at("/states/changed/0/id") == R"("after_hours")");
}

TEST_CASE("diff: start and name changes") {
  auto to = edit(kFlow, R"("start": "greeting")", R"("start": "menu")");
  to = edit(to, R"("name": "Main line")", R"("name": "Main line v2")");
  auto d = diff(kFlow, to);
  CHECK(d.json_at("/start") == R"({"from":"greeting","to":"menu"})");
  CHECK(d.json_at("/flow/changed") == R"([{"field":"name","change":"changed","from":"Main line","to":"Main line v2"}])");
  CHECK(d.count("changed") == 0);
  CHECK_FALSE(d.identical());
}

TEST_CASE("diff: an empty side is no definition at all") {
  auto d = diff("", kFlow);
  CHECK_FALSE(d.identical());
  CHECK(d.ids("added") == std::vector<std::string>{"greeting", "hours", "menu", "sales", "support", "after_hours", "bye"});
  CHECK(d.count("removed") == 0);
  CHECK(d.count("changed") == 0);
  CHECK(d.json_at("/start") == R"({"from":null,"to":"greeting"})");
  CHECK(d.json_at("/flow/changed") ==
        R"([{"field":"description","change":"added","to":"Reception for the Tokyo office"},)"
        R"({"field":"name","change":"added","to":"Main line"}])");

  auto r = diff(kFlow, " \n null \t");
  CHECK(r.count("removed") == 7);
  CHECK(r.count("added") == 0);
  CHECK(r.json_at("/start") == R"({"from":"greeting","to":null})");

  CHECK(diff_flows("", "").value() == kIdentical);
  CHECK(diff_flows("null", "{}").value() == kIdentical);
}

TEST_CASE("diff: values compare by JSON type, and strings come back escaped") {
  auto d = diff(R"({"states":[{"id":"m","timeout_s":5,"attempts":3,"t":"a"}]})",
                R"({"states":[{"id":"m","timeout_s":5.0,"attempts":"3","t":"\"\\\n\u00e9"}]})");
  CHECK(d.json_at("/states/changed/0/fields") ==
        R"([{"path":"attempts","change":"changed","from":3,"to":"3"},)"
        R"({"path":"t","change":"changed","from":"a","to":"\"\\\né"},)"
        R"({"path":"timeout_s","change":"changed","from":5,"to":5.0}])");
}

TEST_CASE("diff: a state id with odd characters is still written as valid JSON") {
  auto d = diff(R"({"states":[]})", R"({"states":[{"id":"a\"b\u0001"}]})");
  CHECK(d.ids("added") == std::vector<std::string>{"a\"b\x01"});
}

TEST_CASE("diff: a malformed side is an error naming that side") {
  auto bad_from = diff_flows("{\"states\": [", kFlow);
  REQUIRE_FALSE(bad_from);
  CHECK(bad_from.error().rfind("from is not valid JSON: ", 0) == 0);
  auto bad_to = diff_flows(kFlow, "{\"name\": }", DiffSides{"published", "draft"});
  REQUIRE_FALSE(bad_to);
  CHECK(bad_to.error().rfind("draft is not valid JSON: ", 0) == 0);

  CHECK(diff_flows("[1]", "").error() == "from is not a JSON object");
  CHECK(diff_flows("", R"({"states":{}})").error() == "to: 'states' must be an array");
  CHECK(diff_flows("", R"({"states":[{"id":"a"},7]})").error() == "to: states[1] must be an object");
  CHECK(diff_flows("", R"({"states":[{"type":"say"}]})").error() == "to: states[0] has no string 'id'");
  CHECK(diff_flows("", R"({"states":[{"id":5}]})").error() == "to: states[0] has no string 'id'");
  CHECK(diff_flows(R"({"states":[{"id":"a"},{"id":"a"}]})", "", DiffSides{"published", "draft"}).error() ==
        "published: state id 'a' is used more than once");
}

TEST_CASE("diff: deep nesting is bounded, never a crash") {
  std::string deep_a = R"({"states":[{"id":"s","x":)";
  std::string deep_b = deep_a;
  for (int i = 0; i < 40; ++i) {
    deep_a += R"({"k":)";
    deep_b += R"({"k":)";
  }
  deep_a += "1";
  deep_b += "2";
  for (int i = 0; i < 40; ++i) {
    deep_a += "}";
    deep_b += "}";
  }
  deep_a += "}]}";
  deep_b += "}]}";
  auto d = diff(deep_a, deep_b);
  // Past 16 levels the rest is reported whole.
  std::string path = "x";
  for (int i = 0; i < 16; ++i) path += ".k";
  CHECK(std::string(d.root.at_pointer("/states/changed/0/fields/0/path").get_string().value()) == path);

  // Beyond simdjson's depth limit it is a parse error.
  std::string too_deep = R"({"a":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  CHECK_FALSE(diff_flows(too_deep, ""));
}

TEST_CASE("diff: random mutations of a valid flow never crash and always give valid JSON") {
  std::mt19937 rng(20261123);
  const std::string alphabet = R"({}[]":,0123456789.-etrufalsn \aé)";
  // Words that keep the JSON valid but move ids, types and values around.
  const std::vector<std::string> words = {"id", "type", "bye", "menu", "say", "on", "next", "a.b", "", "states", "start"};
  auto mutate = [&](std::string s) {
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits && !s.empty(); ++i) {
      std::size_t at = rng() % s.size();
      switch (rng() % 10) {
        case 0: s.erase(at, 1 + rng() % 8); break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        case 2: s[at] = alphabet[rng() % alphabet.size()]; break;
        case 3: s.resize(at); break;
        case 4: {  // a digit for a digit
          auto d = s.find_first_of("0123456789", at);
          if (d != std::string::npos) s[d] = static_cast<char>('0' + rng() % 10);
          break;
        }
        default: {  // the contents of a string (or key) for a word
          std::vector<std::pair<std::size_t, std::size_t>> spans;  // [open quote, close quote]
          std::size_t quote = std::string::npos;
          for (std::size_t j = 0; j < s.size(); ++j) {
            if (s[j] == '\\') {
              ++j;
            } else if (s[j] == '"' && quote == std::string::npos) {
              quote = j;
            } else if (s[j] == '"') {
              spans.emplace_back(quote, j);
              quote = std::string::npos;
            }
          }
          if (spans.empty()) break;
          auto [open, close] = spans[rng() % spans.size()];
          s.replace(open + 1, close - open - 1, words[rng() % words.size()]);
          break;
        }
      }
    }
    return s;
  };
  simdjson::dom::parser check;
  int succeeded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string a = round % 3 == 0 ? kFlow : mutate(kFlow);
    std::string b = mutate(round % 2 ? kFlow : a);
    for (auto [x, y] : {std::pair{&a, &b}, std::pair{&b, &a}, std::pair{&b, &b}}) {
      auto r = diff_flows(*x, *y);
      if (!r) {
        CHECK_FALSE(r.error().empty());
        continue;
      }
      ++succeeded;
      simdjson::dom::element root;
      REQUIRE(check.parse(*r).get(root) == simdjson::SUCCESS);
      // Anything compared with itself is identical; any other pair agrees in both directions.
      if (x == y) CHECK(*r == kIdentical);
      auto back = diff_flows(*y, *x);
      REQUIRE(back);
      CHECK((r->find("\"identical\":true") != std::string::npos) == (back->find("\"identical\":true") != std::string::npos));
    }
  }
  INFO("diffs that parsed: " << succeeded);
  CHECK(succeeded > 1500);  // the mutations must still exercise the diff, not only the parser
}
