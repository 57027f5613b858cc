// How answers given to the provider are keyed in the `idempotency` column family, so a retried
// webhook is answered the same and writes nothing twice: org, kind, then a request identity.
#pragma once

#include <string>
#include <string_view>

namespace callrouter::store {

// org NUL kind NUL id
std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id);

// The kinds (docs/storage.md, "Idempotency keys").
inline constexpr std::string_view kVoiceAnswer = "voice";        // id: CallSid
inline constexpr std::string_view kTokenAnswer = "token";        // id: I-Twilio-Idempotency-Token
inline constexpr std::string_view kCallbackAnswer = "callback";  // id: sid/callback/state/attempt/visit
inline constexpr std::string_view kRedirectAnswer = "redirect";  // id: redirect_answer_id

// A queue → agent document too long for the REST redirect, stored per call and visit and served
// at /twilio/redirect: "sid/visit".
std::string redirect_answer_id(std::string_view call_sid, int visit);

}  // namespace callrouter::store
