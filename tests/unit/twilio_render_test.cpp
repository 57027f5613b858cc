// Tests for rendering flow actions as TwiML against the provider's value rules: finish keys,
// voices per language, queue-name length, the empty-recording Redirect, the REST size limit.
#include <catch2/catch.hpp>

#include <string>

#include "provider/twilio/queue_name.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"
#include "provider/twilio/say_voices.hpp"

using namespace callrouter;
using namespace callrouter::twilio;

namespace {

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("say voices: which voice speaks which language", "[twilio][voices]") {
  CHECK_FALSE(say_voice_problem("", ""));
  CHECK_FALSE(say_voice_problem("", "ja-JP"));  // the default voice for ja-JP speaks it
  CHECK_FALSE(say_voice_problem("man", "en-US"));
  CHECK_FALSE(say_voice_problem("woman", "de-DE"));
  CHECK_FALSE(say_voice_problem("alice", "ja-JP"));
  CHECK_FALSE(say_voice_problem("Polly.Mizuki", "ja-JP"));
  CHECK_FALSE(say_voice_problem("Polly.Mizuki", "ja-jp"));  // languages compare case-insensitively
  CHECK_FALSE(say_voice_problem("Polly.Takumi-Neural", "ja-JP"));
  CHECK_FALSE(say_voice_problem("Polly.Aditi", "hi-IN"));
  CHECK_FALSE(say_voice_problem("Google.ja-JP-Standard-A", "ja-JP"));
  CHECK_FALSE(say_voice_problem("Google.en-US-Neural2-C", ""));
  CHECK_THAT(*say_voice_problem("man", "ja-JP"), Catch::Contains("voice 'man' does not speak 'ja-JP'"));
  CHECK_THAT(*say_voice_problem("Polly.Mizuki", "en-US"), Catch::Contains("(it speaks ja-JP)"));
  CHECK_THAT(*say_voice_problem("Polly.Mizuki-Neural", "ja-JP"), Catch::Contains("no neural form"));
  CHECK_THAT(*say_voice_problem("Polly.Kazuha", "ja-JP"), Catch::Contains("only as 'Polly.Kazuha-Neural'"));
  CHECK_THAT(*say_voice_problem("Robot.Bender", ""), Catch::Contains("unknown voice 'Robot.Bender'"));
  CHECK_THAT(*say_voice_problem("Polly.Nobody", ""), Catch::Contains("unknown voice"));
  CHECK_THAT(*say_voice_problem("Google.ja-JP", ""), Catch::Contains("unknown voice"));
  CHECK_THAT(*say_voice_problem("Google.ja-JP-Standard-A", "en-US"), Catch::Contains("(it speaks ja-JP)"));
  CHECK_THAT(*say_voice_problem("", "xx-YY"), Catch::Contains("unknown language 'xx-YY'"));
  CHECK_THAT(*say_voice_problem("alice", "xx-YY"), Catch::Contains("unknown language"));
}

TEST_CASE("say voices: every language's default voice speaks it", "[twilio][voices]") {
  for (std::string_view language : {"en-US", "en-GB", "es-ES", "fr-FR", "de-DE", "ja-JP", "ko-KR", "cmn-CN", "zh-CN",
                                    "zh-TW", "en-AU", "en-IN", "hi-IN", "en-NZ", "es-MX", "es-US", "fr-CA", "de-AT",
                                    "it-IT", "pt-BR", "pt-PT", "nl-NL", "da-DK", "nb-NO", "pl-PL", "ru-RU", "sv-SE",
                                    "tr-TR", "ca-ES", "fi-FI", "arb"}) {
    INFO(language);
    auto voice = default_say_voice(language);
    CHECK_FALSE(say_voice_problem(voice.empty() ? "man" : voice, language));
  }
  CHECK(default_say_voice("ja-JP") == "Polly.Mizuki");
  CHECK(default_say_voice("en-US").empty());  // Twilio's own default speaks it
  CHECK(default_say_voice("xx-YY").empty());
}

TEST_CASE("queue names fit the provider's 64 characters, stably and distinctly", "[twilio][queue]") {
  CHECK(provider_queue_name("demo", "main", "sales") == "demo:main:sales");
  const std::string org(64, 'o'), flow(64, 'f');
  const std::string a = provider_queue_name(org, flow, std::string(64, 'a'));
  const std::string b = provider_queue_name(org, flow, std::string(63, 'a') + "b");
  CHECK(a.size() == kMaxQueueNameChars);
  CHECK(b.size() == kMaxQueueNameChars);
  CHECK(a != b);  // the same first 47 characters, different hashes
  CHECK(a == provider_queue_name(org, flow, std::string(64, 'a')));  // deterministic
  CHECK(a.substr(0, 48) == std::string(47, 'o') + "~");
  CHECK(fit_queue_name(std::string(64, 'x')) == std::string(64, 'x'));
  CHECK(fit_queue_name(std::string(65, 'x')).size() == 64);
}

TEST_CASE("render: empty finish keys are written, not dropped", "[twilio][render]") {
  flow::GatherAction g;
  g.finish_on_key = "";
  g.num_digits = 1;
  g.callback = {flow::Callback::gather, "menu"};
  CHECK(contains(render_twiml({g}, "https://h"), R"(finishOnKey="")"));
  flow::RecordAction r;
  r.finish_on_key = "";
  r.callback = {flow::Callback::recording, "vm"};
  CHECK(contains(render_twiml({r}, "https://h"), R"(finishOnKey="")"));
  r.finish_on_key = "#*";
  CHECK(contains(render_twiml({r}, "https://h"), R"(finishOnKey="#*")"));
}

TEST_CASE("render: a speech menu recognises the prompt's language", "[twilio][render]") {
  flow::GatherAction g;
  g.speech_hints = {"sales", "support"};
  g.language = "ja-JP";
  g.callback = {flow::Callback::gather, "menu"};
  auto doc = render_twiml({g}, "https://h");
  CHECK(contains(doc, R"(hints="sales,support")"));
  CHECK(contains(doc, R"(language="ja-JP")"));
  g.speech_hints.clear();  // DTMF only: no speech language to set
  CHECK_FALSE(contains(render_twiml({g}, "https://h"), "language="));
}

TEST_CASE("render: a Say with a language and no voice gets one that speaks it", "[twilio][render]") {
  CHECK(contains(render_twiml({flow::SayAction{"こんにちは", "ja-JP", "", 1}}),
                 R"(<Say language="ja-JP" voice="Polly.Mizuki">)"));
  CHECK(contains(render_twiml({flow::SayAction{"Hello", "en-US", "", 1}}), R"(<Say language="en-US">)"));
  CHECK(contains(render_twiml({flow::SayAction{"やあ", "ja-JP", "Polly.Takumi", 1}}), R"(voice="Polly.Takumi")"));
}

TEST_CASE("render: Record is followed by a Redirect back for an empty recording", "[twilio][render]") {
  flow::RecordAction r;
  r.callback = {flow::Callback::recording, "vm", 0, 4};
  auto doc = render_twiml({r}, "https://h");
  CHECK(contains(doc, R"(<Record action="https://h/twilio/recording?state=vm&amp;visit=4")"));
  CHECK(contains(doc, "/><Redirect>https://h/twilio/recording?state=vm&amp;visit=4&amp;empty=1</Redirect></Response>"));
}

TEST_CASE("render: long queue names are shortened", "[twilio][render]") {
  flow::EnqueueAction e{std::string(64, 's'), {flow::Callback::queue_result, "s"}, {flow::Callback::queue_wait, "s"}};
  auto doc = render_twiml({e}, "https://h", {std::string(64, 'o'), "main"});
  auto open = doc.find("<Enqueue");
  auto start = doc.find('>', open) + 1;
  auto end = doc.find("</Enqueue>");
  CHECK(end - start == kMaxQueueNameChars);
}

TEST_CASE("REST redirect: Twiml= up to 4,000 characters, else Url= the provider fetches", "[twilio][rest]") {
  const std::string small = "<Response/>";
  auto r = redirect_call_request("https://api", "AC1", "t", "CA1", small, "https://h/twilio/redirect?visit=3");
  CHECK(r.body == "Twiml=" + form_encode(small));
  const std::string big(kMaxRestTwimlChars + 1, 'x');
  auto b = redirect_call_request("https://api", "AC1", "t", "CA1", big, "https://h/twilio/redirect?state=s&visit=3");
  CHECK(b.body == "Url=" + form_encode("https://h/twilio/redirect?state=s&visit=3") + "&Method=POST");
  const std::string exact(kMaxRestTwimlChars, 'x');
  CHECK(redirect_call_request("https://api", "AC1", "t", "CA1", exact, "https://h/x").body.starts_with("Twiml="));
}

TEST_CASE("an analysed call starts a both-tracks Media Stream naming its org and call", "[twilio]") {
  CHECK(media_stream_url("https://voice.example.com") == "wss://voice.example.com/twilio/media");
  CHECK(media_stream_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/twilio/media");
  flow::CallActions actions{flow::StreamAudioAction{"demo", "CA1"}, flow::SayAction{"hi", "", "", 1}};
  auto doc = render_twiml(actions, "https://voice.example.com");
  CHECK(contains(doc, R"(<Response><Start><Stream url="wss://voice.example.com/twilio/media" track="both_tracks">)"
                      R"(<Parameter name="org" value="demo"/><Parameter name="call" value="CA1"/></Stream></Start><Say)"));
}
