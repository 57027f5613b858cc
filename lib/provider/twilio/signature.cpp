#include "provider/twilio/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Where the behaviour comes from: twilio/request_validator.py of python3-twilio 7.7.1 (Debian 12),
// and of twilio-python main for repeated names. Validation signs two spellings of the URL, as
// urllib.parse rebuilds them (scheme lower-cased, an empty `?` or `#` dropped):
//   remove_port: an explicit port removed; a URL without one as given;
//   add_port:    a URL with an explicit port as given; otherwise :443 for https, :80 for anything
//                else appended to the host (port 0 counts as none, as in Python).
// Params: names sorted by code point (= UTF-8 byte order), each name followed by its value.
// 7.7.1 cannot take a repeated name (a dict has one value; Flask's MultiDict.items() yields only
// the first, so valid requests fail); twilio-python main (PR #617) and twilio-node sign each
// distinct value of a name, sorted, and that is what we do: a repeated identical pair counts once.
// bodySHA256: found like parse_qs does (first non-empty value, %XX and + decoded), compared
// case-sensitively with the lowercase hex hash; the URL is then signed with no params.
// Shared-key signing (HMAC-SHA256): twilio-node 6.3.1 lib/webhooks/webhooks.js signs the same
// text with the shared key and sha256 (python3-twilio 7.7.1 has no shared-key support).
// Deliberate differences, all failing closed where Python would raise or misbehave: a URL without
// scheme://host, an unbalanced '[' or ']', or a port that is not 0-65535 → false (Python raises);
// a JSON body whose URL has no bodySHA256 → false (Python raises AttributeError); an empty auth
// token → false. Removing a port keeps user:password@ and IPv6 brackets, where Python's
// netloc.split(':')[0] would cut them off.

namespace callrouter::twilio {

namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
  // The length of a signature or hash is public; only the content must not leak through timing.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Fetched once: an implicit fetch on every request costs a lookup under a lock.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

using MacCtx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

// A context keyed once per (algorithm, key): keying costs two digest blocks and a context
// allocation each time, more than the HMAC of a webhook. One cache per thread (OpenSSL contexts
// are not shared); bounded, so rotated tokens and the tests' made-up keys cannot grow it.
EVP_MAC_CTX* keyed_context(std::string_view key, SignatureAlgorithm algorithm) {
  struct Entry {
    std::string key;
    SignatureAlgorithm algorithm;
    MacCtx ctx;
  };
  constexpr std::size_t kMaxKeys = 256;
  thread_local std::vector<Entry> cache;
  for (auto& e : cache) {
    if (e.algorithm == algorithm && e.key == key) return e.ctx.get();
  }
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(mac), &EVP_MAC_CTX_free);
  if (!ctx) return nullptr;
  char sha1[] = "SHA1";
  char sha256[] = "SHA256";
  char* digest = algorithm == SignatureAlgorithm::hmac_sha256 ? sha256 : sha1;
  OSSL_PARAM settings[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
  // A null key means "keep the previous key" to EVP_MAC_init, so an empty one gets a pointer.
  static const unsigned char no_key = 0;
  const auto* key_bytes = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), settings) != 1) return nullptr;
  if (cache.size() == kMaxKeys) cache.erase(cache.begin());
  cache.push_back(Entry{std::string(key), algorithm, std::move(ctx)});
  return cache.back().ctx.get();
}

std::optional<std::string> hmac_base64(std::string_view key, std::string_view data,
                                       SignatureAlgorithm algorithm) {
  EVP_MAC_CTX* ctx = keyed_context(key, algorithm);
  if (ctx == nullptr) return std::nullopt;
  unsigned char raw[EVP_MAX_MD_SIZE];
  std::size_t raw_len = 0;
  // init with no key restarts from the keyed state (the key's digest blocks are kept).
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, raw, &raw_len, sizeof raw) != 1) {
    return std::nullopt;
  }
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int encoded_len = EVP_EncodeBlock(encoded, raw, static_cast<int>(raw_len));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(encoded_len));
}

// The URL followed by the params in signing order.
std::string signed_text(std::string_view url, const Form& form) {
  std::vector<const FormParam*> sorted;
  sorted.reserve(form.params.size());
  std::size_t size = url.size();
  for (const FormParam& p : form.params) {
    sorted.push_back(&p);
    size += p.name.size() + p.value.size();
  }
  // std::string compares as unsigned bytes, which for UTF-8 is Python's code point order.
  std::sort(sorted.begin(), sorted.end(), [](const FormParam* a, const FormParam* b) {
    return a->name != b->name ? a->name < b->name : a->value < b->value;
  });
  std::string text;
  text.reserve(size);
  text.append(url);
  const FormParam* previous = nullptr;
  for (const FormParam* p : sorted) {
    if (previous != nullptr && previous->name == p->name && previous->value == p->value) continue;
    text.append(p->name).append(p->value);
    previous = p;
  }
  return text;
}

// The parts of urllib.parse.urlsplit that validation needs.
struct SplitUrl {
  std::string scheme;  // lower-cased, as urlsplit does
  std::string_view netloc;
  std::string_view path;
  std::string_view query;  // after '?'; urlunsplit writes no '?' when empty
  std::string_view fragment;
};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_scheme_char(char c) {
  return is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::optional<SplitUrl> split_url(std::string_view url) {
  SplitUrl parts;
  std::string_view rest = url;
  std::size_t colon = url.find(':');
  if (colon != std::string_view::npos && colon > 0 && is_ascii_alpha(url[0]) &&
      std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char)) {
    for (char c : url.substr(0, colon)) {
      parts.scheme.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    rest = url.substr(colon + 1);
  }
  if (!rest.starts_with("//")) return std::nullopt;  // Twilio only requests absolute URLs
  std::size_t netloc_end = rest.find_first_of("/?#", 2);
  if (netloc_end == std::string_view::npos) netloc_end = rest.size();
  parts.netloc = rest.substr(2, netloc_end - 2);
  if (parts.netloc.empty()) return std::nullopt;
  bool open_bracket = parts.netloc.find('[') != std::string_view::npos;
  bool close_bracket = parts.netloc.find(']') != std::string_view::npos;
  if (open_bracket != close_bracket) return std::nullopt;
  rest = rest.substr(netloc_end);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    parts.fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (std::size_t question = rest.find('?'); question != std::string_view::npos) {
    parts.query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  parts.path = rest;
  return parts;
}

// Where the host ends and the port's ':' sits in netloc (npos when there is none), as
// SplitResult.port finds it: after the last '@', past a bracketed IPv6 host.
std::size_t port_colon(std::string_view netloc) {
  std::size_t at = netloc.rfind('@');
  std::size_t host_start = at == std::string_view::npos ? 0 : at + 1;
  std::size_t search_from = host_start;
  if (std::size_t open = netloc.find('[', host_start); open != std::string_view::npos) {
    std::size_t close = netloc.find(']', open);
    if (close == std::string_view::npos) return std::string_view::npos;
    search_from = close + 1;
  }
  return netloc.find(':', search_from);
}

struct UrlSpellings {
  std::string without_port;
  std::string with_port;
};

std::string unsplit(const SplitUrl& parts, std::string_view netloc) {
  std::string url;
  url.reserve(parts.scheme.size() + netloc.size() + parts.path.size() + parts.query.size() +
              parts.fragment.size() + 8);
  if (!parts.scheme.empty()) url.append(parts.scheme).push_back(':');
  url.append("//").append(netloc).append(parts.path);
  if (!parts.query.empty()) url.append("?").append(parts.query);
  if (!parts.fragment.empty()) url.append("#").append(parts.fragment);
  return url;
}

std::optional<UrlSpellings> url_spellings(const SplitUrl& parts) {
  std::size_t colon = port_colon(parts.netloc);
  std::string_view port_text =
      colon == std::string_view::npos ? std::string_view{} : parts.netloc.substr(colon + 1);
  bool has_port = false;  // Python's `if uri.port:`, so an explicit port 0 counts as none
  if (!port_text.empty()) {
    if (!std::all_of(port_text.begin(), port_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::string_view digits =
        port_text.substr(std::min(port_text.find_first_not_of('0'), port_text.size()));
    if (digits.size() > 5) return std::nullopt;
    unsigned port = 0;
    for (char c : digits) port = port * 10 + static_cast<unsigned>(c - '0');
    if (port > 65535) return std::nullopt;
    has_port = port != 0;
  }
  UrlSpellings spellings;
  if (has_port) {
    spellings.without_port = unsplit(parts, parts.netloc.substr(0, colon));
    spellings.with_port = unsplit(parts, parts.netloc);
  } else {
    spellings.without_port = unsplit(parts, parts.netloc);
    std::string netloc(parts.netloc);
    netloc.append(parts.scheme == "https" ? ":443" : ":80");
    spellings.with_port = unsplit(parts, netloc);
  }
  return spellings;
}

bool matches_either_spelling(std::string_view auth_token, std::string_view url, const Form& params,
                             std::string_view signature, SignatureAlgorithm algorithm) {
  if (auth_token.empty() || signature.empty()) return false;
  std::optional<SplitUrl> parts = split_url(url);
  if (!parts) return false;
  std::optional<UrlSpellings> spellings = url_spellings(*parts);
  if (!spellings) return false;
  // The spelling without the port is what a provider usually signs: a valid request costs one
  // HMAC. Each comparison is constant-time; returning after the first match only tells which
  // public spelling was signed, nothing about the secret or the expected signature.
  std::optional<std::string> without_port =
      hmac_base64(auth_token, signed_text(spellings->without_port, params), algorithm);
  if (without_port && equal_constant_time(*without_port, signature)) return true;
  std::optional<std::string> with_port =
      hmac_base64(auth_token, signed_text(spellings->with_port, params), algorithm);
  return with_port && equal_constant_time(*with_port, signature);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// urllib's unquote_plus: a malformed escape stays as written instead of failing.
std::string unquote_plus(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
      continue;
    }
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = hex_digit(in[i + 1]);
      int lo = hex_digit(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

// parse_qs(query)[name][0]: the first occurrence with a non-empty value; parse_qs drops blank
// values and segments without '='.
std::optional<std::string> first_query_value(std::string_view query, std::string_view name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    std::string_view segment = query.substr(pos, end - pos);
    std::size_t eq = segment.find('=');
    if (eq != std::string_view::npos && eq + 1 < segment.size() &&
        unquote_plus(segment.substr(0, eq)) == name) {
      return unquote_plus(segment.substr(eq + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const Form& params, SignatureAlgorithm algorithm) {
  return hmac_base64(auth_token, signed_text(url, params), algorithm).value_or(std::string());
}

bool validate_signature(std::string_view auth_token, std::string_view url, const Form& params,
                        std::string_view signature, SignatureAlgorithm algorithm) {
  return matches_either_spelling(auth_token, url, params, signature, algorithm);
}

bool body_hash_matches(std::string_view url, std::string_view body) {
  std::optional<SplitUrl> parts = split_url(url);
  if (!parts) return false;
  std::optional<std::string> claimed = first_query_value(parts->query, "bodySHA256");
  return claimed && equal_constant_time(sha256_hex(body), *claimed);
}

bool validate_json_signature(std::string_view auth_token, std::string_view url,
                             std::string_view body, std::string_view signature,
                             SignatureAlgorithm algorithm) {
  // The body and its hash are both the sender's: stopping at a mismatch reveals nothing secret.
  return body_hash_matches(url, body) &&
         matches_either_spelling(auth_token, url, Form{}, signature, algorithm);
}

std::string sha256_hex(std::string_view data) {
  const EVP_MD* md = sha256_algorithm();
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int raw_len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), raw, &raw_len, md, nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(raw_len * 2);
  for (unsigned int i = 0; i < raw_len; ++i) {
    hex.push_back(kHex[raw[i] >> 4]);
    hex.push_back(kHex[raw[i] & 0x0f]);
  }
  return hex;
}

}  // namespace callrouter::twilio
