// How answers given to the provider are keyed in the `idempotency` column family, so a retried
// webhook is answered the same and writes nothing twice: org, kind, then a request identity.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::store {

// org NUL kind NUL id
std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id);

// The kinds (docs/storage.md, "Idempotency keys").
inline constexpr std::string_view kVoiceAnswer = "voice";        // id: CallSid
inline constexpr std::string_view kTokenAnswer = "token";        // id: I-Twilio-Idempotency-Token
inline constexpr std::string_view kCallbackAnswer = "callback";  // id: sid/callback/state/attempt/visit
inline constexpr std::string_view kRedirectAnswer = "redirect";  // id: redirect_answer_id

// How long an answer is kept: far past the provider's retries (a webhook is retried within
// minutes) and past the longest call (Twilio ends calls at 24 h; a redirect document is fetched
// during the call). Older answers are dropped by compactions (Journal::set_answer_cutoff).
inline constexpr std::chrono::hours kAnswerKeep{48};

// Answer values carry when they were stored, so compactions can drop the old ones: version 2 is
// the version byte, the time (µs since the epoch, 8 bytes big-endian), then the v1 payload
// ("status\ncontent-type\nbody"). Version 1 values (no time) still read; they are never dropped.
inline constexpr char kAnswerValueVersion = 2;
std::string encode_answer_value(std::string_view payload, Timestamp stored_at);
struct AnswerValue {
  std::optional<Timestamp> stored_at;  // none: a version 1 value
  std::string_view payload;
};
std::optional<AnswerValue> decode_answer_value(std::string_view stored);

// A queue → agent document too long for the REST redirect, stored per call and visit and served
// at /twilio/redirect: "sid/visit".
std::string redirect_answer_id(std::string_view call_sid, int visit);

}  // namespace callrouter::store
