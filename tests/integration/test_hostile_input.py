"""Issue 19: hostile input against the real daemon. Text with bytes that are not UTF-8 is made
valid where it enters, once (the call record, its JSON and the change feed carry U+FFFD where the
stray bytes were); an agent that never reads is closed with bounded memory; streams per agent and
in all are limited so webhooks keep their connections."""
import base64
import hashlib
import hmac
import json
import os
import socket
import time
import unittest
import urllib.parse

from provider_standin import ProviderStandIn
from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid, rss_kib, status_params, voice_params


def signature_over_bytes(d, path, params):
    """As Twilio signs (URL + each name and value, sorted by name), over raw bytes, which the
    twilio package cannot do for values that are not text."""
    data = (d.base + path).encode()
    for name in sorted(params):
        data += name.encode() + params[name]
    return base64.b64encode(hmac.new(DEMO_TOKEN.encode(), data, hashlib.sha1).digest()).decode()


def post_form(d, path, params, signature):
    return d.request("POST", path, body=urllib.parse.urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


class DemoDaemonTest(unittest.TestCase):
    """One daemon with the demo org for the whole class; `admin` is its admin key."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()


class NotUtf8Test(DemoDaemonTest):
    def test_a_caller_number_with_a_stray_byte_is_stored_as_valid_text(self):
        sid = call_sid(7100)
        params = {"CallSid": sid.encode(), "AccountSid": DEMO_ACCOUNT.encode(), "From": b"+81\xff90",
                  "To": DEMO_NUMBER.encode(), "CallStatus": b"ringing", "Direction": b"inbound",
                  "CallerName": b"\xe4\xbd\x90\xe8\x97\xa4 \xc0\xaf"}  # 佐藤 then an overlong '/'
        status, _, body = post_form(self.d, "/twilio/voice", params, signature_over_bytes(self.d, "/twilio/voice", params))
        self.assertEqual(status, 200, body)
        body.decode("utf-8")  # the TwiML answer is valid text too

        status, raw_headers, raw = self.d.request("GET", "/v1/calls/" + sid,
                                                  headers={"Authorization": "Bearer " + self.admin})
        self.assertEqual(status, 200, raw)
        text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
        self.assertIn("+81\ufffd90", text)
        status, feed = self.d.api("GET", "/v1/events?after=0&limit=1000", self.admin)
        self.assertEqual(status, 200)
        ours = [e for e in feed["events"] if e["call_sid"] == sid]
        self.assertTrue(ours)
        self.assertEqual(ours[0]["data"]["from"], "+81\ufffd90")

    def test_the_signature_is_checked_over_the_bytes_as_sent(self):
        # Replacing the stray byte before checking would make this forged form (signed over the
        # replacement character) pass; it must not.
        sid = call_sid(7101)
        params = {"CallSid": sid.encode(), "AccountSid": DEMO_ACCOUNT.encode(), "From": "+81\ufffd90".encode(),
                  "To": DEMO_NUMBER.encode(), "CallStatus": b"ringing"}
        signature = signature_over_bytes(self.d, "/twilio/voice", params)
        status, _, _ = post_form(self.d, "/twilio/voice", dict(params, From=b"+81\xff90"), signature)
        self.assertEqual(status, 403)


def open_stream(d, key, rcvbuf=None):
    """The agent stream's WebSocket handshake over a raw socket: (socket, status line)."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", d.port))
    nonce = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/agents/stream?key=%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (key, nonce)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    return s, head.split(b"\r\n")[0]


class SlowReaderTest(unittest.TestCase):
    """An agent that sends pings and never reads its pongs: its queue is bounded, it is closed,
    and the daemon's memory does not grow with it."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({"http": {"max_websocket_queue_bytes": 65536}}).start()
        cls.key = cls.d.api("POST", "/v1/keys", cls.d.demo_admin_key, {"role": "agent", "user_id": "u_sato"})[1]["key"]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_a_client_that_never_reads_is_closed_and_costs_bounded_memory(self):
        s, status_line = open_stream(self.d, self.key, rcvbuf=4096)  # so the server's writes stall soon
        self.assertIn(b" 101 ", status_line)
        # A masked text frame {"type":"ping"} (mask 0: the payload is sent as is), many times over.
        payload = b'{"type":"ping"}'
        frame = bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload
        before = rss_kib(self.d.proc.pid)
        sent, closed = 0, False
        s.settimeout(5)
        try:
            for _ in range(200):  # up to 200 x 50,000 pings, ~10M pongs owed
                s.sendall(frame * 50000)
                sent += 50000
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            closed = True
        finally:
            s.close()
        grown = rss_kib(self.d.proc.pid) - before
        self.assertTrue(closed, "the daemon kept reading %d pings from a client that never reads" % sent)
        self.assertLess(grown, 50 * 1024, "RSS grew by %d KiB" % grown)
        self.assertIn("peer does not read", self.d.logs())
        status, _, _ = self.d.request("GET", "/healthz")
        self.assertEqual(status, 200)



class StreamLimitTest(unittest.TestCase):
    """One agent key cannot open streams without end, and all agents together cannot take the
    connections the provider's webhooks need."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({"http": {"max_connections": 12}}).start()
        admin = cls.d.demo_admin_key
        cls.sato = cls.d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_sato"})[1]["key"]
        cls.kato = cls.d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_kato"})[1]["key"]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_streams_per_agent_and_in_all_are_limited(self):
        opened = []
        try:
            for _ in range(5):
                s, line = open_stream(self.d, self.sato)
                opened.append(s)
                self.assertIn(b" 101 ", line)
            s, line = open_stream(self.d, self.sato)
            s.close()
            self.assertIn(b" 429 ", line)  # a sixth stream of one agent
            # 12 connections, a quarter kept for HTTP: 9 streams in all.
            for _ in range(4):
                s, line = open_stream(self.d, self.kato)
                opened.append(s)
                self.assertIn(b" 101 ", line)
            s, line = open_stream(self.d, self.kato)
            s.close()
            self.assertIn(b" 503 ", line)
            status, headers, _ = self.d.request("GET", "/healthz")
            self.assertEqual(status, 200)  # the provider's webhooks still get a connection
            # A stream closed frees its place.
            opened.pop(0).close()
            deadline = time.time() + 5
            while True:
                s, line = open_stream(self.d, self.sato)
                if b" 101 " in line or time.time() > deadline:
                    break
                s.close()
                time.sleep(0.1)
            opened.append(s)
            self.assertIn(b" 101 ", line)
        finally:
            for s in opened:
                s.close()


class StrictValuesTest(DemoDaemonTest):
    """Defects 5-8: only the provider's documented values, whole query numbers, one rule for
    top-ups and duplicate keys, and no key or org setting that names what does not exist."""

    def call(self, sid):
        status, call = self.d.api("GET", "/v1/calls/" + sid, self.admin)
        self.assertEqual(status, 200, call)
        return call

    def test_statuses_and_durations_outside_the_providers_are_refused(self):
        sid = call_sid(7200)
        self.assertEqual(self.d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        status, _, body = self.d.signed_form("/twilio/status", status_params(sid, "pwned<script>", 1))
        self.assertEqual(status, 400, body)
        self.assertIn(b"CallStatus", body)
        for duration in ("-600", "9223372036854775807", "86401", "12s"):
            status, _, body = self.d.signed_form("/twilio/status", status_params(sid, "completed", 2, CallDuration=duration))
            self.assertEqual(status, 400, (duration, body))
        self.assertEqual(self.call(sid)["status"], "ringing")  # none of them reached the call
        status, _, body = self.d.signed_form("/twilio/status", status_params(sid, "completed", 3, CallDuration="42"))
        self.assertEqual(status, 200, body)
        call = self.call(sid)
        self.assertEqual(call["status"], "completed")
        self.assertEqual(call["duration_s"], 42)

    def test_query_numbers_are_whole_or_refused(self):
        for path in ("/v1/events?limit=2abc", "/v1/events?after=1e3", "/v1/wallet/ledger?limit=2abc",
                     "/v1/wallet/ledger?after=1e3", "/v1/wallet/ledger?after=-1", "/v1/calls?limit=5x"):
            status, body = self.d.api("GET", path, self.admin)
            self.assertEqual(status, 400, (path, body))
        self.assertEqual(self.d.api("GET", "/v1/wallet/ledger?after=0&limit=5", self.admin)[0], 200)

    def test_top_ups_take_one_rule(self):
        topup = lambda body: self.d.api("POST", "/v1/wallet/topups", self.admin, body)
        self.assertEqual(topup({"amount_micro": 1000, "note": "x"})[0], 400)  # unknown field
        self.assertEqual(topup({"amount_micro": 1000, "payment_id": ""})[0], 400)
        status, first = topup({"amount_micro": 1000, "payment_id": "pay_7201"})
        self.assertEqual(status, 201, first)
        status, again = topup({"amount_micro": 1000, "payment_id": "pay_7201"})
        self.assertEqual((status, again["duplicate"]), (200, True))
        self.assertEqual(again["wallet"]["balance_micro"], first["wallet"]["balance_micro"])
        status, other = topup({"amount_micro": 5000, "payment_id": "pay_7201"})
        self.assertEqual(status, 409, other)
        self.assertEqual(other["error"]["code"], "payment_id_reused")
        # The same key twice: refused here and everywhere else, whichever value would have won.
        status, body = topup('{"amount_micro": 1000, "amount_micro": 900000000}')
        self.assertEqual(status, 400, body)
        self.assertIn("amount_micro", body["error"]["message"])
        status, body = self.d.api("POST", "/v1/users", self.admin, '{"id":"u_dup","name":"a","name":"b"}')
        self.assertEqual(status, 400, body)
        self.assertEqual(self.d.api("GET", "/v1/wallet", self.admin)[1]["balance_micro"], first["wallet"]["balance_micro"])

    def test_one_setting_bodies_are_strict_and_name_the_field(self):
        refusals = [("PUT", "/v1/users/u_sato/presence", {"presence": "away", "mood": "ok"}, "mood"),
                    ("PUT", "/v1/users/u_sato/presence", {"presence": ["away"]}, "presence"),
                    ("PUT", "/v1/users/u_sato/presence", {}, "presence"),
                    ("PUT", "/v1/numbers/%2B" + DEMO_NUMBER[1:] + "/flow", {"flow": None}, "flow"),
                    ("PUT", "/v1/numbers/%2B" + DEMO_NUMBER[1:] + "/flow", {"flow_id": 7}, "flow_id"),
                    ("POST", "/v1/numbers", {"number": 14155550123}, "number"),
                    ("POST", "/v1/numbers", {"number": "+14155550123", "price_micro": 0}, "price_micro"),
                    ("PUT", "/v1/wallet/auto-recharge", {"enabled": "yes"}, "enabled")]
        for method, path, body, field in refusals:
            with self.subTest(path=path, body=body):
                status, answer = self.d.api(method, path, self.admin, body)
                self.assertEqual(status, 400, answer)
                self.assertIn("'%s'" % field, answer["error"]["message"])
        status, user = self.d.api("GET", "/v1/users/u_sato", self.admin)
        self.assertEqual(status, 200, user)
        self.assertNotEqual(user["presence"], "away")  # nothing refused reached the user
        status, numbers = self.d.api("GET", "/v1/numbers", self.admin)
        self.assertEqual([n["flow_id"] for n in numbers["numbers"] if n["number"] == DEMO_NUMBER], ["main"])

    def test_keys_and_orgs_name_only_what_exists(self):
        status, body = self.d.api("POST", "/v1/keys", self.admin, {"role": "agent", "user_id": "u_nobody"})
        self.assertEqual(status, 400, body)
        self.assertIn("u_nobody", body["error"]["message"])
        org = {"id": "o7203", "account_sid": "AC" + "7" * 32, "auth_token": "t" * 32, "timezone": "Not/AZone"}
        status, body = self.d.api("POST", "/v1/orgs", self.d.system_key, org)
        self.assertEqual(status, 400, body)
        self.assertIn("timezone", body["error"]["message"])
        status, body = self.d.api("POST", "/v1/orgs", self.d.system_key,
                                  dict(org, timezone="Asia/Tokyo", support_number=DEMO_NUMBER))
        self.assertEqual(status, 409, body)  # the demo org's number
        status, body = self.d.api("POST", "/v1/orgs", self.d.system_key, dict(org, timezone="Asia/Tokyo"))
        self.assertEqual(status, 201, body)


class ConnectionLimitTest(unittest.TestCase):
    """Defect 9 and what the abuse benchmark found after it: at http.max_connections a connection
    that is waiting for a request gives way to a new one (the longest waiting first), so idle
    sockets cannot keep the provider's webhooks out; when every place is serving, a client is
    answered 503 with Retry-After, not reset, and the daemon serves again as places free up."""

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.d = Daemon({"http": {"max_connections": 8}, "provider": {"api_base_url": cls.provider.url}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()
        cls.provider.close()

    def test_idle_connections_give_way_to_a_webhook(self):
        # A keep-alive client that has asked once and waits longest: connections that never asked
        # anything give way before it.
        kept = socket.create_connection(("127.0.0.1", self.d.port))
        self.addCleanup(kept.close)
        self.assertIn(b" 200 ", self.ask(kept))
        held = []
        try:
            for i in range(7):
                held.append(socket.create_connection(("127.0.0.1", self.d.port)))
                if i == 3:
                    held[-1].sendall(b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\n")  # half a request: still waiting
                time.sleep(0.02)  # accepted in this order
            time.sleep(0.2)
            for n in range(1, 5):
                status, _, body = self.d.signed_form("/twilio/voice", voice_params(call_sid(9300 + n)))
                self.assertEqual(status, 200, body)
                # The n longest waiting were closed for them (the fourth had sent half a request);
                # the others still hold their place.
                for i, s in enumerate(held[:7]):
                    s.settimeout(0.5 if i < n else 0.05)
                    try:
                        closed = s.recv(1) == b""
                    except ConnectionResetError:
                        closed = True
                    except socket.timeout:
                        closed = False
                    self.assertEqual(closed, i < n, (n, i))
                time.sleep(0.1)  # the webhook's connection has closed: a new idle one takes its place
                held.append(socket.create_connection(("127.0.0.1", self.d.port)))
                time.sleep(0.05)
            self.assertIn(b" 200 ", self.ask(kept))  # still open
            metrics = self.d.request("GET", "/metrics")[2].decode()
            self.assertIn("callrouter_http_evicted_connections_total ", metrics)
            evicted = [l for l in metrics.splitlines() if l.startswith("callrouter_http_evicted_connections_total ")]
            self.assertGreaterEqual(int(evicted[0].split()[1]), 3)
        finally:
            for s in held:
                s.close()

    def test_a_connection_over_the_limit_is_told_to_retry_when_every_place_is_serving(self):
        # A slow provider keeps eight requests in their handlers: no place is waiting for a request.
        self.provider.fail("GET", r"AvailablePhoneNumbers/.*", 503, delay_s=2)
        self.addCleanup(self.provider.clear_failures)
        admin = self.d.demo_admin_key
        slow = []
        try:
            for _ in range(8):
                s = socket.create_connection(("127.0.0.1", self.d.port))
                s.sendall(("GET /v1/numbers/available?country=JP HTTP/1.1\r\nHost: x\r\n"
                           "Authorization: Bearer %s\r\n\r\n" % admin).encode())
                slow.append(s)
            time.sleep(0.3)
            status, headers, body = self.d.request("GET", "/healthz")
            self.assertEqual(status, 503, body)
            self.assertEqual(headers.get("retry-after"), "1")
            self.assertEqual(json.loads(body)["error"]["code"], "too_many_connections")
        finally:
            for s in slow:
                s.close()
        # The slow requests end (the provider answers after 2 s): every place is free again.
        deadline = time.time() + 5
        while self.d.request("GET", "/healthz")[0] != 200 or self.open_connections() > 1:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)

    @staticmethod
    def ask(s):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(2)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer

    def open_connections(self):
        metrics = self.d.request("GET", "/metrics")[2].decode()
        return int([l for l in metrics.splitlines() if l.startswith("callrouter_http_open_connections ")][0].split()[1])


class CallsThatNeverEndTest(unittest.TestCase):
    """Defect 4: a call whose terminal callback was lost is looked up at the provider and closed
    with the provider's status; one the provider does not know, or past calls.expire_after_s when
    the provider cannot be asked, is closed as failed; one the provider says is live is kept."""

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.d = Daemon({"provider": {"api_base_url": cls.provider.url},
                        "calls": {"check_after_s": 1, "expire_after_s": 4}}).start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()
        cls.provider.close()

    def call(self, sid):
        return self.d.api("GET", "/v1/calls/" + sid, self.admin)[1]

    def wait_status(self, sid, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            call = self.call(sid)
            if call["status"] != "ringing" and call["status"] != "in-progress":
                return call
            time.sleep(0.1)
        return self.call(sid)

    def test_lost_endings_are_asked_for_and_closed(self):
        ended, unknown, live, fine = call_sid(7300), call_sid(7301), call_sid(7302), call_sid(7303)
        self.provider.set_call(ended, "completed", 37)
        self.provider.set_call(live, "in-progress")
        for sid in (ended, unknown, live, fine):
            self.assertEqual(self.d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        # A call whose ending does arrive is not asked about.
        self.assertEqual(self.d.signed_form("/twilio/status", status_params(fine, "completed", 1, CallDuration="5"))[0], 200)

        call = self.wait_status(ended, 4)
        self.assertEqual((call["status"], call["duration_s"]), ("completed", 37))
        call = self.wait_status(unknown, 4)
        self.assertEqual((call["status"], call["disposition"]), ("failed", "failed"))
        # The provider says it goes on: kept, even past expire_after_s (our clock may have jumped).
        time.sleep(4.5)
        self.assertIn(self.call(live)["status"], ("ringing", "in-progress"))
        # Past expire_after_s with no answer from the provider: closed as failed.
        self.provider.fail("GET", r"Calls/%s\.json" % live, 503)
        call = self.wait_status(live, 8)  # the client retries a 503 a few times first
        self.assertEqual((call["status"], call["disposition"]), ("failed", "failed"))
        asked = [r.resource() for r in self.provider.received("GET", r"Calls/CA[0-9a-f]{32}\.json")]
        self.assertNotIn("Calls/%s.json" % fine, asked)
        self.assertEqual(self.call(fine)["duration_s"], 5)
        # Closed like any callback: the change feed has each call's end, and a restart restores
        # none of them as live.
        # (The feed shows an event once it is durable, a moment after GET /v1/calls shows the close.)
        deadline = time.time() + 5
        while True:
            events = self.d.api("GET", "/v1/events?after=0&limit=1000", self.admin)[1]["events"]
            ends = {e["call_sid"] for e in events if e["type"] == "call.ended"}
            if {ended, unknown, live, fine} <= ends or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue({ended, unknown, live, fine} <= ends, ends)
        self.d.restart()
        self.assertEqual(self.call(unknown)["status"], "failed")
        self.assertIn("callrouter_live_calls 0", self.d.request("GET", "/metrics")[2].decode())


if __name__ == "__main__":
    unittest.main()
