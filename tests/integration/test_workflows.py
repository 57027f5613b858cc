"""Issue 15: call workflows. Rules on committed call events call a real CRM stand-in (an HTTP
server on loopback) with Standard Webhooks, verified by the npm `standardwebhooks` package
(tests/node/verify_webhooks.js), not by our code: every trigger, conditions, retries with the
same webhook-id, Retry-After, 410, dead letter and manual retry, per-call order, delay_s, a hung
receiver that slows neither another org nor the call path, cross-org isolation, and kill -9 with
deliveries owed (all delivered after restart, none for an event that was not journaled)."""
import base64
import http.client
import http.server
import json
import os
import random
import shutil
import subprocess
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

from harness import (DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, SOURCE_DIR, Daemon, call_sid, kill_under_load,
                     status_params, voice_params)
from provider_standin import ProviderStandIn

NODE_DIR = os.path.join(SOURCE_DIR, "tests", "node")
ACME_ACCOUNT = "AC" + "2" * 32
ACME_TOKEN = "e" * 32
ACME_NUMBER = "+815022223333"
CALLER_ID = DEMO_NUMBER
DESTINATION = "+14155550100"

# Timings shrunk for the tests (docs/workflows.md lists the defaults).
FAST_RETRIES = {"allow_private_networks": True, "retry_first_delay_ms": 200, "retry_max_delay_ms": 800,
                "retry_max_age_s": 4, "timeout_ms": 1500, "endpoint_concurrency": 2}


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def seed_file(directory):
    """The demo org with a flow that rings Sato and one that takes voicemail, and a second org
    (acme) whose number hangs up."""
    with open(os.path.join(SOURCE_DIR, "config", "demo-seed.json")) as f:
        seed = json.load(f)
    demo = seed["orgs"][0]
    demo["numbers"][0]["flow_id"] = "ring"
    demo["flows"] = [
        {"id": "ring", "enabled": True, "definition": {"name": "Ring Sato", "start": "sato", "states": [
            {"id": "sato", "type": "ring_user", "user": "u_sato", "ring_timeout_s": 20,
             "on": {"no_answer": "bye", "busy": "bye", "unavailable": "bye"}},
            {"id": "bye", "type": "hangup"}]}},
        {"id": "vm", "enabled": True, "definition": {"name": "Voicemail", "start": "vm", "states": [
            {"id": "vm", "type": "voicemail", "greeting": {"text": "Leave a message"}, "max_length_s": 60,
             "next": "bye"},
            {"id": "bye", "type": "hangup"}]}},
    ]
    seed["orgs"].append({
        "id": "acme", "name": "Acme", "account_sid": ACME_ACCOUNT, "auth_token": ACME_TOKEN, "timezone": "UTC",
        "numbers": [{"number": ACME_NUMBER, "country": "JP", "type": "local", "flow_id": "hang"}],
        "flows": [{"id": "hang", "enabled": True,
                   "definition": {"name": "Hang up", "start": "bye", "states": [{"id": "bye", "type": "hangup"}]}}]})
    path = os.path.join(directory, "workflow-seed.json")
    with open(path, "w") as f:
        json.dump(seed, f)
    return path


class Received:
    def __init__(self, path, headers, body):
        self.path, self.headers, self.body, self.at = path, headers, body, time.monotonic()
        self.json = json.loads(body)

    @property
    def webhook_id(self):
        return self.headers.get("webhook-id")


class Receiver:
    """A CRM stand-in: records every request; answers what `answer(path, …)` scripted, in order,
    then the path's default (200 unless `default` says otherwise)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.scripts = {}    # path -> [(status, headers, delay_s)]
        self.defaults = {}   # path -> (status, headers, delay_s)
        self.released = threading.Event()  # ends every delay (hung requests) at close
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                path = self.path
                with receiver.lock:
                    receiver.requests.append(Received(path, {k.lower(): v for k, v in self.headers.items()}, body))
                    script = receiver.scripts.get(path)
                    status, headers, delay = (script.pop(0) if script else
                                              receiver.defaults.get(path, (200, {}, 0)))
                if delay:
                    receiver.released.wait(delay)
                payload = b"ok"
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the daemon gave up on us (timeout)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A daemon killed with -9 (or timing out) resets connections: expected here, not news.
        self.server.handle_error = lambda request, client_address: None
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]

    def url(self, path):
        return self.base + path

    def answer(self, path, *responses, default=None):
        with self.lock:
            self.scripts[path] = [r if isinstance(r, tuple) else (r, {}, 0) for r in responses]
            if default is not None:
                self.defaults[path] = default if isinstance(default, tuple) else (default, {}, 0)

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_for(self, path, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.01)
        raise AssertionError("%s: %d requests, wanted %d" % (path, len(self.received(path)), count))

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def verify(requests, secret):
    """Each request's signature as the npm standardwebhooks package sees it."""
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node not found: run scripts/bootstrap (it installs nodejs and npm where missing)"
    payload = [{"secret": secret, "body": r.body,
                "headers": {k: r.headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}}
               for r in requests]
    out = subprocess.run([node, "verify_webhooks.js"], cwd=NODE_DIR, input=json.dumps(payload),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def wait_until(probe, done, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value) or time.monotonic() >= deadline:
            return value
        time.sleep(0.02)


class WorkflowCase(unittest.TestCase):
    """One daemon (demo and acme orgs, a provider stand-in for click-to-call) per class; each test
    uses its own receiver (its own endpoint) and deletes its rules at the end."""

    workflows_config = FAST_RETRIES

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        cls.d = Daemon(extra_config={"provider": {"api_base_url": cls.provider.url},
                                     "workflows": cls.workflows_config})
        cls.addClassCleanup(cls.d.close)
        cls.d.config["seed"]["file"] = seed_file(cls.d.dir)
        cls.d.write_config(cls.d.config)
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        status, body = cls.d.api("POST", "/v1/keys", cls.d.system_key, {"org": "acme", "role": "admin"})
        assert status == 201, body
        cls.acme = body["key"]
        status, body = cls.d.api("POST", "/v1/keys", cls.admin, {"role": "agent", "user_id": "u_sato"})
        assert status == 201, body
        cls.sato = body["key"]
        cls.next_sid = 1000 * (abs(hash(cls.__name__)) % 1000)

    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.addCleanup(self.delete_rules)

    def delete_rules(self):
        for key in (self.admin, self.acme):
            for wf in self.d.api("GET", "/v1/workflows", key)[1]["workflows"]:
                self.d.api("DELETE", "/v1/workflows/" + wf["id"], key)

    def sid(self):
        type(self).next_sid += 1
        return call_sid(self.next_sid)

    def rule(self, id, trigger, path, key=None, **fields):
        secret = new_secret()
        body = {"id": id, "name": id, "trigger": trigger,
                "action": {"type": "webhook", "url": self.receiver.url(path), "secret": secret}}
        body.update(fields)
        status, answer = self.d.api("POST", "/v1/workflows", key or self.admin, body)
        self.assertEqual(status, 201, answer)
        self.assertNotIn("secret", answer["action"])
        return secret

    def voice(self, sid, token=DEMO_TOKEN, **extra):
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid, **extra), token=token)
        self.assertEqual(status, 200, body)
        return ET.fromstring(body)

    def status(self, params, path="/twilio/status", token=DEMO_TOKEN):
        status, _, body = self.d.signed_form(path, params, token=token)
        self.assertEqual(status, 200, body)

    def missed_call(self, sid, frm="+819012345678"):
        self.voice(sid, frm=frm)
        self.status(status_params(sid, "no-answer", 2, frm=frm, CallDuration="0"))

    def answered_call(self, sid):
        self.voice(sid)
        leg = dict(voice_params("CA" + "e" * 32), CallStatus="in-progress", ParentCallSid=sid, To="client:sato",
                   Direction="outbound-dial")
        self.status(leg, path="/twilio/status?agent=u_sato")
        self.status(status_params(sid, "completed", 3, CallDuration="42"))

    def deliveries(self, workflow_id, key=None):
        status, body = self.d.api("GET", "/v1/workflows/%s/deliveries" % workflow_id, key or self.admin)
        self.assertEqual(status, 200, body)
        return body["deliveries"]

    def assert_signed(self, requests, secret):
        results = verify(requests, secret)
        self.assertEqual(results, [{"ok": True}] * len(requests))


class TriggersAndConditionsTest(WorkflowCase):
    TRIGGERS = ["incoming_call_ring", "incoming_call_start", "incoming_call_end", "outgoing_call_ring",
                "outgoing_call_start", "outgoing_call_end", "missed_call", "voicemail_received"]

    def test_each_trigger_fires_once_for_its_event_signed_as_standard_webhooks(self):
        d = self.d
        secrets = {t: self.rule(t, t, "/" + t) for t in self.TRIGGERS}
        answered, missed, voicemail = self.sid(), self.sid(), self.sid()
        self.answered_call(answered)
        self.missed_call(missed)
        # Voicemail: the number's flow takes a message.
        self.assertEqual(d.api("PUT", "/v1/numbers/%s/flow" % urllib.parse.quote(DEMO_NUMBER), self.admin,
                               {"flow_id": "vm"})[0], 200)
        try:
            root = self.voice(voicemail)
            record = [c for c in root if c.tag == "Record"][0]
            action = urllib.parse.urlsplit(record.get("action"))
            self.status(dict(voice_params(voicemail), CallStatus="in-progress", RecordingUrl="https://x/r",
                             RecordingDuration="12"), path=action.path + "?" + action.query)
            self.status(status_params(voicemail, "completed", 4, CallDuration="30"))
        finally:
            d.api("PUT", "/v1/numbers/%s/flow" % urllib.parse.quote(DEMO_NUMBER), self.admin, {"flow_id": "ring"})
        # Click-to-call: placed, the customer answers (the Dial's result), it ends.
        self.assertEqual(d.api("POST", "/v1/wallet/topups", self.admin,
                               {"amount_micro": 10_000_000, "payment_id": "wf-c2c"})[0], 201)
        status, placed = d.api("POST", "/v1/calls", self.sato, {"to": DESTINATION})
        self.assertEqual(status, 201, placed)
        outbound = placed["sid"]
        root = self.voice(outbound, to="client:sato", frm=CALLER_ID, Direction="outbound-api", CallStatus="in-progress")
        action = urllib.parse.urlsplit(root[0].get("action"))
        self.status({"CallSid": outbound, "AccountSid": DEMO_ACCOUNT, "DialCallStatus": "completed",
                     "DialCallSid": "CA" + "d" * 32, "DialCallDuration": "90"}, path=action.path + "?" + action.query)
        self.status(status_params(outbound, "completed", 3, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                                  CallDuration="95"))

        expected = {"incoming_call_ring": [("call.ringing", answered), ("call.ringing", missed),
                                           ("call.ringing", voicemail)],
                    "incoming_call_start": [("call.answered", answered)],
                    "incoming_call_end": [("call.ended", answered), ("call.ended", missed), ("call.ended", voicemail)],
                    "missed_call": [("call.missed", missed)],
                    "voicemail_received": [("call.voicemail", voicemail)],
                    "outgoing_call_ring": [("call.ringing", outbound)],
                    "outgoing_call_start": [("call.answered", outbound)],
                    "outgoing_call_end": [("call.ended", outbound)]}
        feed = {e["seq"]: e for e in d.api("GET", "/v1/events?limit=1000", self.admin)[1]["events"]}
        for trigger, want in expected.items():
            got = self.receiver.wait_for("/" + trigger, len(want))
            time.sleep(0.05 if trigger != self.TRIGGERS[-1] else 0.3)  # nothing more comes
            got = self.receiver.received("/" + trigger)
            self.assertEqual([(r.json["type"], r.json["data"]["sid"]) for r in got], want, trigger)
            if trigger == "voicemail_received":  # the CRM gets the message's link with the news
                self.assertEqual([r.json["data"].get("voicemail_url") for r in got], ["https://x/r"])
            self.assert_signed(got, secrets[trigger])
            for r in got:
                event = feed[r.json["event_seq"]]
                self.assertEqual((event["type"], event["call_sid"]), (r.json["type"], r.json["data"]["sid"]))
                self.assertEqual(r.webhook_id, "msg_demo_%d_%s" % (event["seq"], trigger))
                self.assertEqual((r.json["trigger"], r.json["workflow_id"]), (trigger, trigger))
                self.assertEqual(r.json["timestamp"], event["at"])
                self.assertEqual(r.json["data"], event["data"])
                self.assertEqual(r.headers["content-type"], "application/json")
                self.assertLessEqual(abs(int(r.headers["webhook-timestamp"]) - time.time()), 30)
        for trigger in self.TRIGGERS:
            log = self.deliveries(trigger)
            self.assertEqual({x["status"] for x in log}, {"delivered"}, trigger)
            self.assertEqual({x["attempts"] for x in log}, {1})
        _, _, metrics = d.request("GET", "/metrics")
        self.assertIn("callrouter_workflow_deliveries_delivered_total ", metrics.decode())
        self.assertIn("callrouter_workflow_outbox_pending 0", metrics.decode())

    def test_conditions_filter_calls(self):
        always_open = {"timezone": "Asia/Tokyo", "weekly": {d: [["00:00", "24:00"]] for d in
                                                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
        cases = {
            "from_japan": ({"rules": [{"field": "caller", "op": "prefix", "value": "+8190"}]}, True),
            "from_us": ({"rules": [{"field": "caller", "op": "prefix", "value": "+1"}]}, False),
            "our_number": ({"rules": [{"field": "number", "op": "eq", "value": DEMO_NUMBER}]}, True),
            "long_wait": ({"rules": [{"field": "wait_s", "op": "gte", "value": 3600}]}, False),
            "short_call": ({"rules": [{"field": "duration_s", "op": "lte", "value": 5}]}, True),
            "flow": ({"rules": [{"field": "flow", "op": "in", "value": ["ring", "other"]}]}, True),
            "open": ({"rules": [{"field": "business_hours", "op": "eq", "value": "open", "hours": always_open}]}, True),
            "closed": ({"rules": [{"field": "business_hours", "op": "eq", "value": "closed", "hours": always_open}]},
                       False),
            "any_of": ({"match": "any", "rules": [{"field": "wait_s", "op": "gte", "value": 3600},
                                                  {"field": "direction", "op": "eq", "value": "inbound"}]}, True),
            "all_of": ({"match": "all", "rules": [{"field": "wait_s", "op": "gte", "value": 3600},
                                                  {"field": "direction", "op": "eq", "value": "inbound"}]}, False),
            "sales_group": ({"rules": [{"field": "group", "op": "eq", "value": "sales"}]}, False),  # nobody took it
        }
        for name, (conditions, _) in cases.items():
            self.rule(name, "missed_call", "/" + name, conditions=conditions)
        sid = self.sid()
        self.missed_call(sid)
        for name, (_, fires) in cases.items():
            if fires:
                self.assertEqual(self.receiver.wait_for("/" + name, 1)[0].json["data"]["sid"], sid)
        time.sleep(0.3)
        fired = sorted({r.path[1:] for r in self.receiver.received()})
        self.assertEqual(fired, sorted(n for n, (_, fires) in cases.items() if fires))
        self.assertEqual(len(self.receiver.received()), len(fired))

    def test_user_and_group_of_an_answered_call(self):
        self.rule("sales_end", "incoming_call_end", "/sales", conditions={
            "rules": [{"field": "group", "op": "eq", "value": "sales"}, {"field": "user", "op": "eq", "value": "u_sato"},
                      {"field": "duration_s", "op": "gte", "value": 30}]})
        self.rule("kato_end", "incoming_call_end", "/kato", conditions={
            "rules": [{"field": "user", "op": "eq", "value": "u_kato"}]})
        sid = self.sid()
        self.answered_call(sid)
        got = self.receiver.wait_for("/sales", 1)
        self.assertEqual((got[0].json["data"]["user_id"], got[0].json["data"]["duration_s"]), ("u_sato", 42))
        time.sleep(0.2)
        self.assertEqual(self.receiver.received("/kato"), [])

    def test_a_disabled_rule_fires_nothing_and_delay_s_waits(self):
        self.rule("off", "missed_call", "/off", enabled=False)
        self.rule("later", "missed_call", "/later", delay_s=1)
        sid = self.sid()
        started = time.monotonic()
        self.missed_call(sid)
        got = self.receiver.wait_for("/later", 1, timeout=5)
        self.assertGreaterEqual(got[0].at - started, 0.95)
        self.assertEqual(self.receiver.received("/off"), [])
        self.assertEqual(self.deliveries("off"), [])


class WorkflowApiTest(WorkflowCase):
    def test_rules_are_validated_naming_the_field_and_secrets_are_write_only(self):
        d = self.d
        url = self.receiver.url("/api")
        for body, field in [
            ({"trigger": "missed_call", "action": {"url": url}}, "field 'id'"),
            ({"id": "a", "trigger": "ringing", "action": {"url": url}}, "field 'trigger'"),
            ({"id": "a", "trigger": "missed_call"}, "field 'action.url'"),
            ({"id": "a", "trigger": "missed_call", "action": {"url": "ftp://x/"}}, "field 'action.url'"),
            ({"id": "a", "trigger": "missed_call", "action": {"url": url, "secret": "plain"}}, "field 'action.secret'"),
            ({"id": "a", "trigger": "missed_call", "action": {"url": url}, "delay_s": "soon"}, "field 'delay_s'"),
            ({"id": "a", "trigger": "missed_call", "action": {"url": url},
              "conditions": {"rules": [{"field": "wait_s", "op": "gte", "value": "x"}]}},
             "field 'conditions.rules[0].value'"),
            ({"id": "a", "trigger": "missed_call", "action": {"url": url},
              "conditions": {"rules": [{"field": "business_hours", "op": "eq", "value": "open",
                                        "hours": {"timezone": "Asia/Tokyo", "weekly": {"mon": [["09:00", "25:00"]]}}}]}},
             "field 'conditions.rules[0].hours.weekly.mon[0]'"),
        ]:
            status, answer = d.api("POST", "/v1/workflows", self.admin, body)
            self.assertEqual(status, 400, body)
            self.assertEqual(answer["error"]["code"], "invalid_request")
            self.assertTrue(answer["error"]["message"].startswith(field), answer["error"]["message"])
        self.assertEqual(d.api("POST", "/v1/workflows", self.admin, "not json")[0], 400)

        # No secret given: one is made and shown once.
        status, created = d.api("POST", "/v1/workflows", self.admin,
                                {"id": "gen", "trigger": "missed_call", "action": {"url": url}})
        self.assertEqual(status, 201, created)
        secret = created["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        self.assertEqual(d.api("POST", "/v1/workflows", self.admin,
                               {"id": "gen", "trigger": "missed_call", "action": {"url": url}})[0], 409)
        for status, shown in [d.api("GET", "/v1/workflows/gen", self.admin),
                              d.api("PATCH", "/v1/workflows/gen", self.admin, {"name": "Renamed"})]:
            self.assertEqual(status, 200, shown)
            self.assertNotIn("whsec_", json.dumps(shown))
        self.assertNotIn("whsec_", json.dumps(d.api("GET", "/v1/workflows", self.admin)[1]))
        self.assertEqual(d.api("GET", "/v1/workflows/gen", self.admin)[1]["name"], "Renamed")
        self.assertEqual(d.api("PATCH", "/v1/workflows/gen", self.admin, {"id": "x"})[0], 400)

        # POST …/test sends a sample event, signed with the kept secret.
        status, tested = d.api("POST", "/v1/workflows/gen/test", self.admin)
        self.assertEqual((status, tested["delivered"], tested["status"]), (200, True, 200), tested)
        (sample,) = self.receiver.received("/api")
        self.assertEqual(sample.webhook_id, tested["webhook_id"])
        self.assertEqual((sample.json["type"], sample.json["data"]["test"]), ("call.missed", True))
        self.assert_signed([sample], secret)
        # A restart keeps the rule and its secret.
        d.restart()
        self.assertEqual(d.api("GET", "/v1/workflows/gen", self.admin)[1]["name"], "Renamed")
        self.assertEqual(d.api("POST", "/v1/workflows/gen/test", self.admin)[1]["delivered"], True)
        self.assert_signed(self.receiver.received("/api")[1:], secret)

        self.assertEqual(d.api("DELETE", "/v1/workflows/gen", self.admin)[0], 200)
        self.assertEqual(d.api("GET", "/v1/workflows/gen", self.admin)[0], 404)
        self.assertEqual(d.api("DELETE", "/v1/workflows/gen", self.admin)[0], 404)

    def test_only_admins_of_the_org_see_or_change_its_rules(self):
        d = self.d
        self.rule("mine", "missed_call", "/mine")
        for method, path, body in [("GET", "/v1/workflows", None), ("GET", "/v1/workflows/mine", None),
                                   ("POST", "/v1/workflows", {"id": "x", "trigger": "missed_call",
                                                              "action": {"url": self.receiver.url("/x")}}),
                                   ("PATCH", "/v1/workflows/mine", {"enabled": False}),
                                   ("DELETE", "/v1/workflows/mine", None), ("POST", "/v1/workflows/mine/test", None),
                                   ("GET", "/v1/workflows/mine/deliveries", None)]:
            self.assertEqual(d.api(method, path, self.sato, body)[0], 403, path)
            self.assertEqual(d.api(method, path, None, body)[0], 401, path)
            self.assertEqual(d.api(method, path, d.system_key, body)[0], 403, path)
        # Another org's admin sees none of it, and its calls fire none of it.
        self.assertEqual(d.api("GET", "/v1/workflows", self.acme), (200, {"workflows": []}))
        for method, path, body in [("GET", "/v1/workflows/mine", None), ("PATCH", "/v1/workflows/mine", {"enabled": False}),
                                   ("DELETE", "/v1/workflows/mine", None), ("POST", "/v1/workflows/mine/test", None),
                                   ("GET", "/v1/workflows/mine/deliveries", None)]:
            self.assertEqual(d.api(method, path, self.acme, body)[0], 404, path)
        self.rule("mine", "missed_call", "/acme", key=self.acme)  # the same id in another org is another rule
        sid = self.sid()
        self.missed_call(sid)
        (demo,) = self.receiver.wait_for("/mine", 1)
        self.assertEqual(d.api("POST", "/v1/deliveries/%s/retry" % demo.webhook_id, self.acme)[0], 404)
        time.sleep(0.2)
        self.assertEqual(self.receiver.received("/acme"), [])
        self.assertEqual(self.deliveries("mine", key=self.acme), [])
        self.assertEqual([x["call_sid"] for x in self.deliveries("mine")], [sid])
        self.assertEqual(d.api("GET", "/v1/workflows/mine", self.admin)[1]["action"]["url"], self.receiver.url("/mine"))


class DeliveryTest(WorkflowCase):
    def test_a_failing_receiver_gets_each_delivery_once_it_answers_with_the_same_webhook_id(self):
        secret = self.rule("flaky", "missed_call", "/flaky")
        self.receiver.answer("/flaky", 500, 502, (503, {}, 0))
        sid = self.sid()
        self.missed_call(sid)
        got = self.receiver.wait_for("/flaky", 4, timeout=6)
        self.assertEqual(len({r.webhook_id for r in got}), 1)
        self.assertEqual(len({r.body for r in got}), 1)
        self.assert_signed(got, secret)
        log = wait_until(lambda: self.deliveries("flaky"), lambda l: l and l[0]["status"] == "delivered")
        self.assertEqual((log[0]["status"], log[0]["attempts"], log[0]["last_status"], log[0]["id"]),
                         ("delivered", 4, 200, got[0].webhook_id))
        time.sleep(0.5)
        self.assertEqual(len(self.receiver.received("/flaky")), 4)

    def test_retry_after_is_honoured(self):
        self.rule("busy", "missed_call", "/busy")
        self.receiver.answer("/busy", (503, {"Retry-After": "2"}, 0))
        self.missed_call(self.sid())
        first, second = self.receiver.wait_for("/busy", 2, timeout=6)
        # Without Retry-After the first retry comes after 0.1-0.2 s.
        self.assertGreaterEqual(second.at - first.at, 1.9)
        self.assertLess(second.at - first.at, 3.5)

    def test_410_disables_the_rule(self):
        self.rule("gone", "missed_call", "/gone")
        self.receiver.answer("/gone", 410)
        self.missed_call(self.sid())
        self.receiver.wait_for("/gone", 1)
        wf = wait_until(lambda: self.d.api("GET", "/v1/workflows/gone", self.admin)[1], lambda w: not w["enabled"])
        self.assertFalse(wf["enabled"])
        self.assertIn("410", wf["disabled_reason"])
        log = self.deliveries("gone")
        self.assertEqual((log[0]["status"], log[0]["last_status"]), ("failed", 410))
        self.missed_call(self.sid())
        time.sleep(0.4)
        self.assertEqual(len(self.receiver.received("/gone")), 1)
        # Enabled again by an admin: the reason goes, new calls fire it.
        status, wf = self.d.api("PATCH", "/v1/workflows/gone", self.admin, {"enabled": True})
        self.assertEqual(status, 200, wf)
        self.assertNotIn("disabled_reason", wf)
        self.missed_call(self.sid())
        self.receiver.wait_for("/gone", 2)

    def test_dead_letter_then_manual_retry(self):
        secret = self.rule("dead", "missed_call", "/dead")
        self.receiver.answer("/dead", default=500)
        sid = self.sid()
        self.missed_call(sid)
        log = wait_until(lambda: self.deliveries("dead"), lambda l: l and l[0]["status"] == "dead", timeout=10)
        self.assertEqual(log[0]["status"], "dead")
        tries = len(self.receiver.received("/dead"))
        self.assertEqual(log[0]["attempts"], tries)
        self.assertGreaterEqual(tries, 4)
        self.assertIsNone(log[0]["next_attempt_at"])
        self.assertTrue(log[0]["last_error"].startswith("HTTP 500"), log[0])
        # The receiver is fixed; the admin sends it again.
        self.receiver.answer("/dead", default=200)
        delivery_id = log[0]["id"]
        self.assertEqual(self.d.api("POST", "/v1/deliveries/msg_demo_999999_dead/retry", self.admin)[0], 404)
        self.assertEqual(self.d.api("POST", "/v1/deliveries/nonsense/retry", self.admin)[0], 404)
        status, retried = self.d.api("POST", "/v1/deliveries/%s/retry" % delivery_id, self.admin)
        self.assertEqual((status, retried["status"]), (202, "pending"), retried)
        got = self.receiver.wait_for("/dead", tries + 1)
        self.assertEqual({r.webhook_id for r in got}, {delivery_id})
        self.assert_signed(got[-1:], secret)
        log = wait_until(lambda: self.deliveries("dead"), lambda l: l[0]["status"] == "delivered")
        self.assertEqual((log[0]["status"], log[0]["attempts"]), ("delivered", tries + 1))
        _, _, metrics = self.d.request("GET", "/metrics")
        dead = [l for l in metrics.decode().splitlines() if l.startswith("callrouter_workflow_deliveries_dead_total ")]
        self.assertGreaterEqual(float(dead[0].split()[1]), 1)

    def test_a_call_s_deliveries_arrive_in_event_order(self):
        for trigger in ("incoming_call_ring", "missed_call", "incoming_call_end"):
            self.rule(trigger, trigger, "/order")
        # The ringing fails twice: the call's later events wait behind it.
        self.receiver.answer("/order", 500, 500)
        sid = self.sid()
        self.missed_call(sid)
        got = self.receiver.wait_for("/order", 5, timeout=6)
        self.assertEqual([r.json["type"] for r in got],
                         ["call.ringing", "call.ringing", "call.ringing", "call.missed", "call.ended"])
        seqs = [r.json["event_seq"] for r in got]
        self.assertEqual(seqs, sorted(seqs))

    def test_a_hung_receiver_slows_neither_another_org_nor_webhooks(self):
        self.rule("hang", "incoming_call_ring", "/hang", key=self.acme)
        self.receiver.answer("/hang", default=(200, {}, 30))  # never answers in time
        self.rule("fast", "incoming_call_ring", "/fast")
        acme_calls = [self.sid() for _ in range(6)]
        for sid in acme_calls:
            self.voice(sid, token=ACME_TOKEN, to=ACME_NUMBER, AccountSid=ACME_ACCOUNT)
        self.receiver.wait_for("/hang", 2)  # its two slots are taken, four wait
        lags, answers = [], []
        for _ in range(10):
            sid = self.sid()
            started = time.monotonic()
            self.voice(sid)
            answers.append(time.monotonic() - started)
            got = [r for r in self.receiver.wait_for("/fast", len(lags) + 1) if r.json["data"]["sid"] == sid]
            lags.append(got[0].at - started)
        self.assertLess(max(answers), 0.25, answers)
        self.assertLess(max(lags), 0.5, lags)
        # The hung endpoint timed out (1.5 s) and is retried; the acme deliveries are still owed.
        log = wait_until(lambda: self.deliveries("hang", key=self.acme),
                         lambda l: any(x["attempts"] >= 1 and x["last_error"] for x in l), timeout=4)
        self.assertTrue(any("timed out" in (x["last_error"] or "") or "read" in (x["last_error"] or "") for x in log), log)
        self.assertTrue(all(x["status"] == "pending" for x in log))


class Caller(threading.Thread):
    """Missed calls (voice webhook, then no-answer) on one connection until the daemon dies;
    remembers the calls whose end was acknowledged."""

    def __init__(self, d, first, calls):
        super().__init__(daemon=True)
        self.d = d
        self.sids = [call_sid(first + i) for i in range(calls)]
        self.acked = []
        self.validator = RequestValidator(DEMO_TOKEN)

    def send(self, conn, path, params):
        conn.request("POST", path, body=urllib.parse.urlencode(params), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.d.base + path, params)})
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        try:
            for sid in self.sids:
                if self.send(conn, "/twilio/voice", voice_params(sid)) and \
                        self.send(conn, "/twilio/status", status_params(sid, "no-answer", 2, CallDuration="0")):
                    self.acked.append(sid)
        except (OSError, http.client.HTTPException):
            return  # killed
        finally:
            conn.close()


class DeliveriesAcrossCrashesTest(unittest.TestCase):
    def test_kill_9_with_deliveries_owed_loses_none_and_sends_none_for_an_unjournaled_event(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        d = Daemon(extra_config={"workflows": dict(FAST_RETRIES, retry_max_age_s=120, endpoint_concurrency=8,
                                                   endpoint_rate_per_s=1000)})
        self.addCleanup(d.close)
        d.start()
        secret = new_secret()
        status, body = d.api("POST", "/v1/workflows", d.demo_admin_key, {
            "id": "crm", "trigger": "missed_call", "action": {"url": receiver.url("/crm"), "secret": secret}})
        self.assertEqual(status, 201, body)
        d.stop()
        # The CRM is down (503) while calls come in and the daemon is killed, twice.
        receiver.answer("/crm", default=503)
        rng = random.Random(20270115)
        acked = kill_under_load(d, 2, rng, lambda n: [Caller(d, 500000 + n * 100000 + i * 10000, 3000) for i in range(2)],
                                run_s=(0.3, 0.6))
        self.assertGreater(len(acked), 50, "too little load to prove anything")
        refused = len(receiver.received("/crm"))
        # Back up: everything owed arrives after the restart.
        receiver.answer("/crm", default=200)
        d.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            delivered = {r.json["data"]["sid"] for r in receiver.received("/crm")[refused:]}
            if set(acked) <= delivered:
                break
            time.sleep(0.05)
        got = receiver.received("/crm")
        delivered = {r.json["data"]["sid"] for r in got[refused:]}
        self.assertEqual(set(acked) - delivered, set(), "acknowledged missed calls never delivered")
        # Every delivery is of a journaled event; a repeat only with the same webhook-id.
        feed, after = {}, 0
        while True:
            page = d.api("GET", "/v1/events?after=%d&limit=1000" % after, d.demo_admin_key)[1]["events"]
            if not page:
                break
            feed.update({e["seq"]: e for e in page})
            after = page[-1]["seq"]
        ids_of_event = {}
        for r in got:
            event = feed.get(r.json["event_seq"])
            self.assertIsNotNone(event, "delivered an event that is not in the journal: %s" % r.json["event_id"])
            self.assertEqual((event["type"], event["call_sid"]), ("call.missed", r.json["data"]["sid"]))
            ids_of_event.setdefault(r.json["event_id"], set()).add(r.webhook_id)
        self.assertEqual({k: v for k, v in ids_of_event.items() if len(v) != 1}, {})
        missed = [e for e in feed.values() if e["type"] == "call.missed"]
        self.assertEqual(len(ids_of_event), len(missed), "a journaled missed call without a delivery")
        self.assertEqual(verify(got[-20:], secret), [{"ok": True}] * len(got[-20:]))
        time.sleep(0.3)
        _, _, metrics = d.request("GET", "/metrics")
        self.assertIn("callrouter_workflow_outbox_pending 0", metrics.decode())
        print("kill -9 x2: %d acknowledged missed calls, %d journaled, %d requests (%d refused while down)"
              % (len(acked), len(missed), len(got), refused))


if __name__ == "__main__":
    unittest.main()
