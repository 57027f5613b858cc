#include "provider/twilio/render_actions.hpp"

#include "provider/twilio/twiml.hpp"

namespace callrouter::twilio {
namespace {

struct Renderer {
  TwimlWriter& w;
  void operator()(const flow::SayAction& a) const { w.say(a.text, a.language, a.voice, a.loop); }
  void operator()(const flow::PlayAction& a) const { w.play(a.url, a.loop); }
  void operator()(const flow::HangupAction&) const { w.hangup(); }
  void operator()(const flow::RejectAction& a) const { w.reject(a.reason); }
};

}  // namespace

std::string render_twiml(const flow::CallActions& actions) {
  TwimlWriter w;
  for (const auto& action : actions) std::visit(Renderer{w}, action);
  return w.finish();
}

}  // namespace callrouter::twilio
