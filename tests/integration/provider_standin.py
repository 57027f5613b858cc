"""A stand-in for the provider's REST API (Twilio, API version 2010-04-01) on loopback, for the
integration tests: it answers the resources callrouterd uses the way the provider does, checks the
Basic credentials against the account in the path, remembers every request, and can be told to fail.

Resources (all under /2010-04-01/Accounts/{AccountSid}/):
  POST   Calls.json                              create a call → 201 {"sid":"CA…",…}
  POST   Calls/{CallSid}.json                    update a live call (Twiml=, Url=) → 200
  GET    Calls/{CallSid}.json                    a call's state, as set by set_call() → 200; else 404
  GET    AvailablePhoneNumbers/{CC}/{Kind}.json  Kind: Local | Mobile | TollFree; AreaCode=, Contains=,
                                                 InRegion= → 200 {"available_phone_numbers":[…]}
  POST   IncomingPhoneNumbers.json               buy: PhoneNumber= → 201 {"sid":"PN…","phone_number":…}
  GET    IncomingPhoneNumbers.json               the numbers bought (PhoneNumber= filters)
  DELETE IncomingPhoneNumbers/{PN sid}.json      release → 204
Errors use the provider's JSON error shape {"code","message","more_info","status"}.
"""
import base64
import http.server
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

API = "/2010-04-01/Accounts/"
KINDS = ("Local", "Mobile", "TollFree")


@dataclass
class Request:
    method: str
    path: str                    # without the query
    query: dict                  # first value of each query parameter
    form: dict                   # first value of each form field (POST bodies)
    auth: tuple = None           # (user, password) from Basic auth, or None
    headers: dict = field(default_factory=dict)
    body: str = ""

    def resource(self):
        """The path after /2010-04-01/Accounts/{AccountSid}/, e.g. "Calls.json"."""
        parts = self.path.split("/", 4)
        return parts[4] if len(parts) > 4 else ""


def error_body(status, code, message):
    return {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class ProviderStandIn:
    """One stand-in provider on a free loopback port. `credentials` maps AccountSid → auth token; a
    request whose Basic credentials do not match its account gets 401, like the provider."""

    def __init__(self, credentials=None):
        self.credentials = dict(credentials or {})
        self.lock = threading.Lock()
        self.requests = []
        self.available = {}      # (CC, Kind) → [Twilio AvailablePhoneNumber objects], in order
        self.owned = {}          # PN sid → Twilio IncomingPhoneNumber object
        self.created_calls = []  # CallSids handed out by POST Calls.json, in order
        self.call_states = {}    # CallSid → (status, duration or None), for GET Calls/{sid}.json
        self.failures = []       # [method, regex on the resource, form match, status, body, times left, delay_s]
        self.counter = 0
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                standin._handle(self, "GET")

            def do_POST(self):
                standin._handle(self, "POST")

            def do_DELETE(self):
                standin._handle(self, "DELETE")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- what the provider has to offer, and failures ---

    def offer(self, country, kind, number, region="", locality="", postal_code=""):
        """Adds a number to the provider's inventory of `kind` (Local, Mobile, TollFree) in `country`."""
        assert kind in KINDS, kind
        digits = number.lstrip("+")
        with self.lock:
            self.available.setdefault((country, kind), []).append({
                "friendly_name": number, "phone_number": number, "lata": None, "locality": locality or None,
                "rate_center": None, "latitude": None, "longitude": None, "region": region or None,
                "postal_code": postal_code or None, "iso_country": country, "address_requirements": "none",
                "beta": False, "capabilities": {"voice": True, "SMS": True, "MMS": False, "fax": False},
                "_digits": digits})

    def set_call(self, sid, status, duration=None):
        """What GET Calls/{sid}.json answers for the call (unknown calls answer 404)."""
        with self.lock:
            self.call_states[sid] = (status, duration)

    def fail(self, method, resource_regex, status, body=None, form=None, times=None, delay_s=0):
        """The next `times` requests (None: all) matching method, resource and form fields are
        answered with `status` and `body` (default: the provider's error shape) instead; a `bytes`
        body is sent as it is (garbage, HTML), anything else as JSON. With `delay_s` the answer
        comes that late (a provider slower than the daemon's client waits)."""
        with self.lock:
            self.failures.append([method, re.compile(resource_regex), dict(form or {}), status,
                                  body if body is not None else error_body(status, 20500, "stand-in failure"),
                                  times, delay_s])

    def clear_failures(self):
        with self.lock:
            self.failures = []

    # --- what was asked ---

    def received(self, method=None, resource_regex=None):
        with self.lock:
            found = list(self.requests)
        return [r for r in found
                if (method is None or r.method == method)
                and (resource_regex is None or re.fullmatch(resource_regex, r.resource()))]

    def wait_for(self, method, resource_regex, count=1, timeout=5.0):
        """The requests matching, once there are at least `count` of them (or when time is up)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(method, resource_regex)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.01)

    # --- serving ---

    def _next_sid(self, prefix):
        self.counter += 1
        return "%s%032x" % (prefix, 0x5a000000 + self.counter)

    def _handle(self, handler, method):
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = {}
        if method == "POST" and body:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        auth = None
        header = handler.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                auth = (user, password)
            except ValueError:
                auth = None
        request = Request(method, parts.path, query, form, auth,
                          dict((k.lower(), v) for k, v in handler.headers.items()), body)
        with self.lock:
            self.requests.append(request)
            self.delay_s = 0
            status, answer = self._answer(request)
            delay_s = self.delay_s
        if delay_s:
            time.sleep(delay_s)  # outside the lock: other requests are answered meanwhile
        raw = isinstance(answer, bytes)
        payload = answer if raw else b"" if answer is None else json.dumps(answer).encode()
        try:
            handler.send_response(status)
            if payload:
                handler.send_header("Content-Type", "text/html" if raw else "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            if payload:
                handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a delayed answer past its timeout)

    def _answer(self, r):
        if not r.path.startswith(API):
            return 404, error_body(404, 20404, "The requested resource %s was not found" % r.path)
        account = r.path[len(API):].split("/", 1)[0]
        if self.credentials and (r.auth is None or self.credentials.get(account) != r.auth[1]
                                 or r.auth[0] != account):
            return 401, error_body(401, 20003, "Authenticate")
        resource = r.resource()
        for failure in self.failures:
            f_method, f_regex, f_form, f_status, f_body, f_times, f_delay_s = failure
            if f_method == r.method and f_regex.fullmatch(resource) and f_times != 0 \
                    and all(r.form.get(k) == v for k, v in f_form.items()):
                if f_times is not None:
                    failure[5] = f_times - 1
                self.delay_s = f_delay_s
                return f_status, f_body
        base = API + account + "/"

        if r.method == "POST" and resource == "Calls.json":
            missing = [k for k in ("To", "From") if not r.form.get(k)]
            if missing or not (r.form.get("Url") or r.form.get("Twiml")):
                return 400, error_body(400, 21205, "Missing parameter: %s" % ", ".join(missing or ["Url"]))
            sid = self._next_sid("CA")
            self.created_calls.append(sid)
            return 201, {"sid": sid, "account_sid": account, "to": r.form["To"], "from": r.form["From"],
                         "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                         "uri": base + "Calls/%s.json" % sid}
        m = re.fullmatch(r"Calls/(CA[0-9a-f]{32})\.json", resource)
        if r.method == "POST" and m:
            return 200, {"sid": m.group(1), "account_sid": account, "status": "in-progress"}
        if r.method == "GET" and m:
            if m.group(1) not in self.call_states:
                return 404, error_body(404, 20404, "The requested resource %s was not found" % r.path)
            status, duration = self.call_states[m.group(1)]
            return 200, {"sid": m.group(1), "account_sid": account, "status": status,
                         "duration": None if duration is None else str(duration), "api_version": "2010-04-01"}

        m = re.fullmatch(r"AvailablePhoneNumbers/([A-Z]{2})/(\w+)\.json", resource)
        if r.method == "GET" and m:
            country, kind = m.group(1), m.group(2)
            if (country, kind) not in self.available:
                return 404, error_body(404, 20404, "The requested resource %s was not found" % r.path)
            found = []
            for n in self.available[(country, kind)]:
                digits = n["_digits"]
                if r.query.get("AreaCode") and not digits[1:].startswith(r.query["AreaCode"]):
                    continue
                if r.query.get("Contains") and not _contains(digits, r.query["Contains"]):
                    continue
                if r.query.get("InRegion") and n["region"] != r.query["InRegion"]:
                    continue
                found.append({k: v for k, v in n.items() if not k.startswith("_")})
            return 200, {"available_phone_numbers": found, "uri": r.path + ("?" + urllib.parse.urlencode(r.query)
                                                                            if r.query else "")}

        if r.method == "POST" and resource == "IncomingPhoneNumbers.json":
            number = r.form.get("PhoneNumber")
            if not number:
                return 400, error_body(400, 21421, "PhoneNumber is invalid")
            for (country, kind), numbers in self.available.items():
                for n in numbers:
                    if n["phone_number"] == number:
                        numbers.remove(n)
                        sid = self._next_sid("PN")
                        owned = {"sid": sid, "account_sid": account, "phone_number": number, "friendly_name": number,
                                 "voice_url": r.form.get("VoiceUrl"), "voice_method": r.form.get("VoiceMethod", "POST"),
                                 "status_callback": r.form.get("StatusCallback"),
                                 "status_callback_method": r.form.get("StatusCallbackMethod", "POST"),
                                 "capabilities": n["capabilities"], "api_version": "2010-04-01",
                                 "uri": base + "IncomingPhoneNumbers/%s.json" % sid,
                                 "_origin": (country, kind, n)}
                        self.owned[sid] = owned
                        return 201, {k: v for k, v in owned.items() if not k.startswith("_")}
            return 400, error_body(400, 21422, "PhoneNumber %s is not available" % number)
        if r.method == "GET" and resource == "IncomingPhoneNumbers.json":
            numbers = [{k: v for k, v in n.items() if not k.startswith("_")} for n in self.owned.values()
                       if n["account_sid"] == account
                       and r.query.get("PhoneNumber") in (None, n["phone_number"])]
            return 200, {"incoming_phone_numbers": numbers}
        m = re.fullmatch(r"IncomingPhoneNumbers/(PN[0-9a-f]{32})\.json", resource)
        if r.method == "DELETE" and m:
            owned = self.owned.get(m.group(1))
            if owned is None or owned["account_sid"] != account:
                return 404, error_body(404, 20404, "The requested resource %s was not found" % r.path)
            del self.owned[m.group(1)]
            return 204, None
        if r.method == "POST" and resource == "OutgoingCallerIds.json":
            # A validation request: the provider will phone the number; the owner types this code.
            number = r.form.get("PhoneNumber")
            if not number:
                return 400, error_body(400, 21421, "PhoneNumber is invalid")
            return 201, {"account_sid": account, "phone_number": number, "friendly_name": r.form.get("FriendlyName"),
                         "validation_code": "%06d" % (len(self.requests) * 7919 % 1000000),
                         "call_sid": self._next_sid("CA")}
        if r.method == "DELETE" and re.fullmatch(r"Recordings/RE[0-9a-fA-F]{32}\.json", resource):
            return 204, None  # recordings are not kept here: deleting one always succeeds
        return 404, error_body(404, 20404, "The requested resource %s was not found" % r.path)


def _contains(digits, pattern):
    """The provider's Contains: digits (and '*' for any one digit) found anywhere in the number."""
    regex = re.escape(pattern.lstrip("+")).replace(r"\*", ".")
    return re.search(regex, digits) is not None
