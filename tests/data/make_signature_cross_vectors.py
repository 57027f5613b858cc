#!/usr/bin/python3
"""Writes twilio-signature-cross-vectors.json: X-Twilio-Signature cases computed here by
twilio-python (python3-twilio's RequestValidator) and, for shared-key signing, which twilio-python
lacks, by Python's hmac/hashlib over the same string-to-sign. tests/node checks every case with
twilio-node, tests/unit/twilio_signature_test.cpp with our C++ code, and
tests/integration/test_signatures.py re-runs this and compares, so the file cannot drift.

Usage: make_signature_cross_vectors.py [--check]   (--check: exit 1 if the file differs)"""
import base64
import hashlib
import hmac
import json
import os
import sys

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "12345"
# Shared keys are made in Twilio's console; any secret string works the same for the HMAC.
SHARED_KEY = "sk_test_0123456789abcdef0123456789abcdef"
SETTINGS_SHA256 = "key=webhooks_sharedkey_0123456789abcdef,algorithm=HMAC_SHA256"
SETTINGS_NO_ALGORITHM = "key=webhooks_sharedkey_0123456789abcdef"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "twilio-signature-cross-vectors.json")

VOICE = {"AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01",
         "CallSid": "CA0123456789abcdef0123456789abcdef", "CallStatus": "ringing",
         "Called": "+815012345678", "Caller": "+819012345678", "Direction": "inbound",
         "From": "+819012345678", "To": "+815012345678"}
JSON_BODY = ('{"AccountSid": "AC0123456789abcdef0123456789abcdef", '
             '"CallSid": "CA0123456789abcdef0123456789abcdef", "CallStatus": "completed", '
             '"SequenceNumber": 3, "CallDuration": 42}')
UTF8 = {"CallerName": "José Müller 中文 😀", "From": "+14158675309", "To": "+18005551212"}


class Pairs(list):
    """Every (name, value) pair, as Flask's MultiDict.items(multi=True) gives: how 7.7.1 signs a
    repeated name. Values are passed distinct and sorted, as twilio-node and twilio-python main
    sign them."""

    def items(self):
        return self


def string_to_sign(url, params):
    text = url
    for name in sorted(params):
        values = params[name] if isinstance(params[name], list) else [params[name]]
        for value in sorted(set(values)):
            text += name + value
    return text


def hmac_b64(key, text, digest):
    return base64.b64encode(hmac.new(key.encode(), text.encode(), digest).digest()).decode()


def with_hash(url, body):
    return url + ("&" if "?" in url else "?") + "bodySHA256=" + hashlib.sha256(body.encode()).hexdigest()


def library_params(params):
    if any(isinstance(v, list) for v in params.values()):
        return Pairs(sorted((k, v) for k, vs in params.items() for v in sorted(set(vs if isinstance(vs, list) else [vs]))))
    return params


def case(name, url, params=None, body=None, settings=None, valid_urls=(), invalid_urls=()):
    params = params or {}
    method = "GET" if params == {} and body is None else "POST"
    c = {"name": name, "method": method, "url": url, "params": params}
    if body is not None:
        c["body"] = body
        c["body_sha256_hex"] = hashlib.sha256(body.encode()).hexdigest()
    if settings is not None:
        c["signature_settings"] = settings
    if settings is None:
        validator = RequestValidator(AUTH_TOKEN)
        c["signature"] = validator.compute_signature(url, library_params(params))
        # Our string-to-sign is the library's: the shared-key cases below rely on that.
        assert c["signature"] == hmac_b64(AUTH_TOKEN, string_to_sign(url, params), hashlib.sha1), name
        for u in [url, *valid_urls]:
            checked = body if body is not None else library_params(params)
            assert validator.validate(u, checked, c["signature"]), (name, u)
        for u in invalid_urls:
            assert not validator.validate(u, body if body is not None else library_params(params), c["signature"]), (name, u)
    else:
        digest = hashlib.sha256 if "HMAC_SHA256" in settings.upper() else hashlib.sha1
        c["signature"] = hmac_b64(SHARED_KEY, string_to_sign(url, params), digest)
    c["valid_urls"] = list(valid_urls)
    c["invalid_urls"] = list(invalid_urls)
    return c


def build():
    base = "https://callrouter.example.com/twilio/voice"
    status = "https://callrouter.example.com/twilio/status"
    get_url = base + "?CallSid=CA0123456789abcdef0123456789abcdef&From=%2B819012345678&To=%2B815012345678"
    cases = [
        case("form post, no port", base, VOICE,
             valid_urls=["https://callrouter.example.com:443/twilio/voice",
                         "https://callrouter.example.com:8443/twilio/voice"],
             invalid_urls=["http://callrouter.example.com/twilio/voice",
                           "https://callrouter.example.com/twilio/voice?x=1"]),
        case("form post signed with https default port", "https://callrouter.example.com:443/twilio/voice", VOICE,
             valid_urls=["https://callrouter.example.com/twilio/voice"],
             invalid_urls=["https://callrouter.example.com:8443/twilio/voice"]),
        case("form post signed with http default port", "http://callrouter.example.com:80/twilio/voice", VOICE,
             valid_urls=["http://callrouter.example.com/twilio/voice"],
             invalid_urls=["https://callrouter.example.com/twilio/voice"]),
        case("form post signed with a custom port", "http://127.0.0.1:8080/twilio/voice?state=menu", VOICE,
             valid_urls=[], invalid_urls=["http://127.0.0.1:8081/twilio/voice?state=menu"]),
        case("form post, UTF-8 values", base, UTF8),
        case("form post, a repeated name", base, {"Digits": ["9", "1", "5"], "To": "+18005551212"}),
        case("GET, parameters in the query", get_url,
             valid_urls=[get_url.replace(".com/", ".com:443/")],
             invalid_urls=[get_url.replace("CA0123", "CA0124")]),
        case("JSON body with bodySHA256", with_hash(status + "?agent=u_sato", JSON_BODY), body=JSON_BODY,
             valid_urls=[with_hash("https://callrouter.example.com:443/twilio/status?agent=u_sato", JSON_BODY)]),
        case("shared key HMAC_SHA256, form post", base, VOICE, settings=SETTINGS_SHA256,
             valid_urls=["https://callrouter.example.com:443/twilio/voice"],
             invalid_urls=["http://callrouter.example.com/twilio/voice"]),
        case("shared key HMAC_SHA256, GET", get_url, settings=SETTINGS_SHA256),
        case("shared key HMAC_SHA256, JSON body", with_hash(status, JSON_BODY), body=JSON_BODY,
             settings=SETTINGS_SHA256),
        case("shared key HMAC_SHA256, custom port", "http://127.0.0.1:8080/twilio/status", VOICE,
             settings=SETTINGS_SHA256, invalid_urls=["http://127.0.0.1:8081/twilio/status"]),
        case("shared key, settings without algorithm: HMAC_SHA1 with the shared key", base, VOICE,
             settings=SETTINGS_NO_ALGORITHM),
    ]
    return {
        "about": "Written by make_signature_cross_vectors.py: signatures computed by twilio-python "
                 "(RequestValidator) or, for shared-key cases (signature_settings set; twilio-python "
                 "has no shared-key support), by hmac/hashlib over the same string-to-sign. A case "
                 "with signature_settings is signed with shared_key and the algorithm that header "
                 "names, as twilio-node reads it; otherwise with auth_token, HMAC-SHA1. GET cases "
                 "sign the URL alone; JSON cases sign the URL (carrying bodySHA256) with no params. "
                 "A list param is a repeated name. valid_urls validate too, invalid_urls must not.",
        "auth_token": AUTH_TOKEN,
        "shared_key": SHARED_KEY,
        "cases": cases,
    }


def render():
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="utf-8") as f:
            sys.exit(0 if f.read() == text else 1)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
