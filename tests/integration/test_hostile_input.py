"""Issue 19: hostile input against the real daemon. Text with bytes that are not UTF-8 is made
valid where it enters, once (the call record, its JSON and the change feed carry U+FFFD where the
stray bytes were); an agent that never reads is closed with bounded memory; streams per agent and
in all are limited so webhooks keep their connections."""
import base64
import hashlib
import hmac
import os
import socket
import time
import unittest
import urllib.parse

from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid


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


class NotUtf8Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

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


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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


if __name__ == "__main__":
    unittest.main()
