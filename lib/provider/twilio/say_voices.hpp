// Which Twilio <Say> voices speak which languages, and the voice used when a flow names only a
// language: one pure table, so validation and rendering never disagree about a pair.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace callrouter::twilio {

// Why Twilio cannot speak `language` with `voice` (warning 13511, or a Say that fails), or
// nullopt when it can. Either may be empty: an empty voice is the default voice for the
// language (default_say_voice), an empty language the voice's own. Languages compare
// case-insensitively ("ja-jp" is "ja-JP").
std::optional<std::string> say_voice_problem(std::string_view voice, std::string_view language);

// The voice a Say with this language and no voice is given. Applied when TwiML is rendered (not
// when a flow compiles), so flows published before this table existed are spoken right too.
// Empty when Twilio's own default voice (man) speaks the language, or the language is unknown.
std::string_view default_say_voice(std::string_view language);

}  // namespace callrouter::twilio
