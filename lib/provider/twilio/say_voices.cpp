#include "provider/twilio/say_voices.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <initializer_list>

namespace callrouter::twilio {
namespace {

// From Twilio's <Say> and text-to-speech voice lists. Kept small and flat on purpose: it is read
// by validation (once per publish) and by the renderer (once per Say), never on a hot path.
constexpr std::string_view kManWoman[] = {"en-US", "en-GB", "es-ES", "fr-FR", "de-DE",
                                          // Twilio's older short codes for the same five
                                          "en", "en-gb", "es", "fr", "de"};
constexpr std::string_view kAlice[] = {"da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN", "en-US", "ca-ES", "es-ES",
                                       "es-MX", "fi-FI", "fr-CA", "fr-FR", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL",
                                       "pl-PL", "pt-BR", "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW"};

struct PollyVoice {
  std::string_view name;
  std::string_view language;
  std::string_view other_language;  // the bilingual voices (en-IN and hi-IN)
  bool standard;
  bool neural;
};
constexpr PollyVoice kPolly[] = {
    {"Joanna", "en-US", {}, true, true},     {"Matthew", "en-US", {}, true, true},  {"Ivy", "en-US", {}, true, true},
    {"Justin", "en-US", {}, true, true},     {"Kendra", "en-US", {}, true, true},   {"Kimberly", "en-US", {}, true, true},
    {"Salli", "en-US", {}, true, true},      {"Joey", "en-US", {}, true, true},     {"Kevin", "en-US", {}, false, true},
    {"Ruth", "en-US", {}, false, true},      {"Stephen", "en-US", {}, false, true}, {"Danielle", "en-US", {}, false, true},
    {"Gregory", "en-US", {}, false, true},   {"Amy", "en-GB", {}, true, true},      {"Brian", "en-GB", {}, true, true},
    {"Emma", "en-GB", {}, true, true},       {"Arthur", "en-GB", {}, false, true},  {"Nicole", "en-AU", {}, true, false},
    {"Russell", "en-AU", {}, true, false},   {"Olivia", "en-AU", {}, false, true},  {"Aditi", "en-IN", "hi-IN", true, false},
    {"Raveena", "en-IN", {}, true, false},   {"Kajal", "en-IN", "hi-IN", false, true}, {"Aria", "en-NZ", {}, false, true},
    {"Ayanda", "en-ZA", {}, false, true},    {"Geraint", "en-GB-WLS", {}, true, false}, {"Gwyneth", "cy-GB", {}, true, false},
    {"Mizuki", "ja-JP", {}, true, false},    {"Takumi", "ja-JP", {}, true, true},   {"Kazuha", "ja-JP", {}, false, true},
    {"Tomoko", "ja-JP", {}, false, true},    {"Seoyeon", "ko-KR", {}, true, true},  {"Zhiyu", "cmn-CN", {}, true, true},
    {"Conchita", "es-ES", {}, true, false},  {"Enrique", "es-ES", {}, true, false}, {"Lucia", "es-ES", {}, true, true},
    {"Sergio", "es-ES", {}, false, true},    {"Mia", "es-MX", {}, true, true},      {"Andres", "es-MX", {}, false, true},
    {"Penelope", "es-US", {}, true, false},  {"Miguel", "es-US", {}, true, false},  {"Lupe", "es-US", {}, true, true},
    {"Pedro", "es-US", {}, false, true},     {"Celine", "fr-FR", {}, true, false},  {"Mathieu", "fr-FR", {}, true, false},
    {"Lea", "fr-FR", {}, true, true},        {"Remi", "fr-FR", {}, false, true},    {"Chantal", "fr-CA", {}, true, false},
    {"Gabrielle", "fr-CA", {}, false, true}, {"Liam", "fr-CA", {}, false, true},    {"Marlene", "de-DE", {}, true, false},
    {"Hans", "de-DE", {}, true, false},      {"Vicki", "de-DE", {}, true, true},    {"Daniel", "de-DE", {}, false, true},
    {"Hannelore", "de-AT", {}, false, true}, {"Carla", "it-IT", {}, true, false},   {"Giorgio", "it-IT", {}, true, false},
    {"Bianca", "it-IT", {}, true, true},     {"Adriano", "it-IT", {}, false, true}, {"Vitoria", "pt-BR", {}, true, true},
    {"Ricardo", "pt-BR", {}, true, false},   {"Camila", "pt-BR", {}, true, true},   {"Thiago", "pt-BR", {}, false, true},
    {"Ines", "pt-PT", {}, true, true},       {"Cristiano", "pt-PT", {}, true, false}, {"Lotte", "nl-NL", {}, true, false},
    {"Ruben", "nl-NL", {}, true, false},     {"Laura", "nl-NL", {}, false, true},   {"Naja", "da-DK", {}, true, false},
    {"Mads", "da-DK", {}, true, false},      {"Sofie", "da-DK", {}, false, true},   {"Liv", "nb-NO", {}, true, false},
    {"Ida", "nb-NO", {}, false, true},       {"Ewa", "pl-PL", {}, true, false},     {"Maja", "pl-PL", {}, true, false},
    {"Jacek", "pl-PL", {}, true, false},     {"Jan", "pl-PL", {}, true, false},     {"Ola", "pl-PL", {}, false, true},
    {"Tatyana", "ru-RU", {}, true, false},   {"Maxim", "ru-RU", {}, true, false},   {"Astrid", "sv-SE", {}, true, false},
    {"Elin", "sv-SE", {}, false, true},      {"Filiz", "tr-TR", {}, true, false},   {"Carmen", "ro-RO", {}, true, false},
    {"Dora", "is-IS", {}, true, false},      {"Karl", "is-IS", {}, true, false},    {"Zeina", "arb", {}, true, false},
    {"Hala", "ar-AE", {}, false, true},
};

// Every language a flow may name, with the voice a Say in it gets when it names none ("" where
// Twilio's default voice already speaks it). Each default must speak its language (tested).
struct LanguageDefault {
  std::string_view language;
  std::string_view voice;
};
constexpr LanguageDefault kLanguages[] = {
    {"en-US", ""},          {"en-GB", ""},
    {"es-ES", ""},          {"fr-FR", ""},
    {"de-DE", ""},          {"en", ""},
    {"en-gb", ""},          {"es", ""},
    {"fr", ""},             {"de", ""},
    {"ja-JP", "Polly.Mizuki"}, {"ko-KR", "Polly.Seoyeon"},
    {"cmn-CN", "Polly.Zhiyu"}, {"zh-CN", "alice"},
    {"zh-HK", "alice"},     {"zh-TW", "alice"},
    {"en-AU", "Polly.Nicole"}, {"en-CA", "alice"},
    {"en-IN", "Polly.Aditi"}, {"hi-IN", "Polly.Aditi"},
    {"en-NZ", "Polly.Aria-Neural"}, {"en-ZA", "Polly.Ayanda-Neural"},
    {"en-GB-WLS", "Polly.Geraint"}, {"cy-GB", "Polly.Gwyneth"},
    {"es-MX", "Polly.Mia"}, {"es-US", "Polly.Penelope"},
    {"ca-ES", "alice"},     {"fi-FI", "alice"},
    {"fr-CA", "Polly.Chantal"}, {"de-AT", "Polly.Hannelore-Neural"},
    {"it-IT", "Polly.Carla"}, {"pt-BR", "Polly.Camila"},
    {"pt-PT", "Polly.Ines"}, {"nl-NL", "Polly.Lotte"},
    {"da-DK", "Polly.Naja"}, {"nb-NO", "Polly.Liv"},
    {"pl-PL", "Polly.Ewa"}, {"ru-RU", "Polly.Tatyana"},
    {"sv-SE", "Polly.Astrid"}, {"tr-TR", "Polly.Filiz"},
    {"ro-RO", "Polly.Carmen"}, {"is-IS", "Polly.Dora"},
    {"arb", "Polly.Zeina"}, {"ar-AE", "Polly.Hala-Neural"},
};

bool same_language(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

template <class List>
bool speaks(const List& list, std::string_view language) {
  return std::any_of(std::begin(list), std::end(list), [&](std::string_view l) { return same_language(l, language); });
}

const LanguageDefault* known_language(std::string_view language) {
  for (const auto& l : kLanguages) {
    if (same_language(l.language, language)) return &l;
  }
  return nullptr;
}

std::string cannot(std::string_view voice, std::string_view language) {
  return fmt::format("voice '{}' does not speak '{}'", voice, language);
}

}  // namespace

std::optional<std::string> say_voice_problem(std::string_view voice, std::string_view language) {
  if (!language.empty() && known_language(language) == nullptr) {
    return fmt::format("unknown language '{}' (a Twilio <Say> language such as en-US or ja-JP)", language);
  }
  if (voice.empty()) return std::nullopt;  // the language's default voice speaks it
  if (voice == "man" || voice == "woman") {
    if (language.empty() || speaks(kManWoman, language)) return std::nullopt;
    return cannot(voice, language) + " (it speaks en-US, en-GB, es-ES, fr-FR and de-DE)";
  }
  if (voice == "alice") {
    if (language.empty() || speaks(kAlice, language)) return std::nullopt;
    return cannot(voice, language);
  }
  if (voice.starts_with("Polly.")) {
    auto name = voice.substr(6);
    const bool neural = name.ends_with("-Neural");
    if (neural) name.remove_suffix(7);
    const auto* p = std::find_if(std::begin(kPolly), std::end(kPolly), [&](const PollyVoice& v) { return v.name == name; });
    if (p == std::end(kPolly)) return fmt::format("unknown voice '{}'", voice);
    if (neural && !p->neural) return fmt::format("voice 'Polly.{}' has no neural form: use 'Polly.{}'", name, name);
    if (!neural && !p->standard) return fmt::format("voice 'Polly.{}' exists only as 'Polly.{}-Neural'", name, name);
    if (language.empty() || same_language(p->language, language) ||
        (!p->other_language.empty() && same_language(p->other_language, language))) {
      return std::nullopt;
    }
    return cannot(voice, language) + fmt::format(" (it speaks {})", p->language);
  }
  if (voice.starts_with("Google.")) {
    // Google.<language>-<model>-<variant>, e.g. Google.ja-JP-Standard-A: the name says the language.
    auto rest = voice.substr(7);
    auto first = rest.find('-');
    auto second = first == std::string_view::npos ? first : rest.find('-', first + 1);
    if (second == std::string_view::npos || second + 1 >= rest.size()) return fmt::format("unknown voice '{}'", voice);
    auto own = rest.substr(0, second);
    if (known_language(own) == nullptr) return fmt::format("unknown voice '{}'", voice);
    if (language.empty() || same_language(own, language)) return std::nullopt;
    return cannot(voice, language) + fmt::format(" (it speaks {})", own);
  }
  return fmt::format("unknown voice '{}' (man, woman, alice, Polly.* or Google.*)", voice);
}

std::string_view default_say_voice(std::string_view language) {
  const auto* l = language.empty() ? nullptr : known_language(language);
  return l == nullptr ? std::string_view() : l->voice;
}

}  // namespace callrouter::twilio
