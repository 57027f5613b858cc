// Provider callbacks that resume a call in its flow (gather, dial, queue, recording) and
// recording status reports: read (provider/twilio) into engine events and applied.
#include "app/app.hpp"
#include "provider/twilio/webhook_events.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

void App::twilio_recording_status(HttpRequest&& request, Reply reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified) return;
  auto report = twilio::read_recording_status(*verified);
  if (!report) return reply(json_error(400, "bad_request", report.error()));
  apply(engine::RecordingEvent{{verified->org, verified->retry_token}, report->call_sid, report->recording}, std::move(reply));
}

void App::twilio_callback(HttpRequest&& request, flow::Callback kind, Reply reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified) return;
  auto read = twilio::read_flow_callback(kind, *verified);
  if (!read) return reply(json_error(400, "bad_request", read.error()));
  apply(engine::FlowCallbackEvent{{verified->org, verified->retry_token}, *read}, std::move(reply));
}

}  // namespace callrouter::app
