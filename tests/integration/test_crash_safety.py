"""Issue 3: kill -9 under load loses no acknowledged callback and duplicates no event; a failing
journal answers 503 with nothing half-written and recovers when space returns."""
import http.client
import random
import resource
import threading
import time
import unittest
import urllib.parse

from twilio.request_validator import RequestValidator

from harness import DEMO_TOKEN, Daemon, call_sid, kill_under_load, voice_params
from harness import status_params as fixed_time_status_params


def status_params(sid, status, seq, **extra):
    """A status callback dated now, as the provider dates them: calls dated days ago count as calls that
    never ended, and the daemon closes those at start (calls.expire_after_s)."""
    return fixed_time_status_params(sid, status, seq, Timestamp=time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                                    **extra)

STATUSES = ["initiated", "ringing", "in-progress", "completed"]


class Sender(threading.Thread):
    """Sends signed status callbacks on one keep-alive connection until the daemon dies;
    remembers which ones were acknowledged with a 2xx."""

    def __init__(self, daemon, first_call, calls):
        super().__init__(daemon=True)
        self.d = daemon
        self.work = [(call_sid(first_call + c), seq) for c in range(calls) for seq in range(4)]
        self.acked = []
        self.validator = RequestValidator(DEMO_TOKEN)

    def run(self):
        conn = None
        for sid, seq in self.work:
            params = status_params(sid, STATUSES[seq], seq)
            body = urllib.parse.urlencode(params)
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": self.validator.compute_signature(self.d.base + "/twilio/status", params)}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
                conn.request("POST", "/twilio/status", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if 200 <= resp.status < 300:
                    self.acked.append((sid, seq))
            except (OSError, http.client.HTTPException):
                return  # the daemon was killed


class CrashSafetyTest(unittest.TestCase):
    def test_kill_9_loses_no_acknowledged_callback(self):
        d = Daemon()
        rng = random.Random(20261123)
        try:
            acked = kill_under_load(d, 20, rng, lambda n: [Sender(d, n * 3000 + i * 1000, 1000) for i in range(3)])
            self.assertGreater(len(acked), 200, "too little load to prove anything")

            d.start()
            admin = d.demo_admin_key
            by_call = {}
            for sid, seq in acked:
                by_call.setdefault(sid, set()).add(seq)
            for sid, seqs in by_call.items():
                status, body = d.api("GET", "/v1/calls/" + sid, admin)
                self.assertEqual(status, 200, (sid, body))
                stored = [e["seq"] for e in body["events"] if e["kind"] == "status"]
                self.assertEqual(len(stored), len(set(stored)), "duplicated event in %s: %s" % (sid, stored))
                self.assertTrue(seqs <= set(stored), "acknowledged %s, stored %s for %s" % (seqs, stored, sid))
                if 3 in stored:
                    self.assertEqual(body["status"], "completed")
            # The provider retries everything after the crashes: still one event each.
            retry = rng.sample(acked, 50)
            for sid, seq in retry:
                code, _, _ = d.signed_form("/twilio/status", status_params(sid, STATUSES[seq], seq))
                self.assertEqual(code, 200)
            for sid, _ in retry:
                stored = [e["seq"] for e in d.api("GET", "/v1/calls/" + sid, admin)[1]["events"]]
                self.assertEqual(len(stored), len(set(stored)))
            print("kill -9 x20: %d acknowledged callbacks over %d calls, all present once" % (len(acked), len(by_call)))
        finally:
            d.close()


class JournalFailureTest(unittest.TestCase):
    def test_write_errors_answer_503_and_recover(self):
        d = Daemon()
        try:
            d.start()
            admin = d.demo_admin_key
            before = call_sid(50000)
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(before))[0], 200)
            # A file-size limit of one byte makes every journal write fail with EFBIG, as a full
            # disk would; the process itself keeps running.
            resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
            during = call_sid(50001)
            failures = [d.signed_form("/twilio/voice", voice_params(during))[0] for _ in range(3)]
            failures.append(d.signed_form("/twilio/status", status_params(before, "completed", 3))[0])
            self.assertEqual(failures, [503, 503, 503, 503])
            # Reads keep working.
            self.assertEqual(d.request("GET", "/healthz")[0], 200)
            status, body = d.api("GET", "/v1/calls/" + before, admin)
            self.assertEqual(status, 200)
            self.assertEqual(body["status"], "ringing")  # the failed callback changed nothing
            self.assertEqual(d.api("GET", "/v1/calls/" + during, admin)[0], 404)

            # Space returns: the provider's retries go through, once each.
            resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            deadline = time.time() + 10
            code = 503
            while code == 503 and time.time() < deadline:
                code = d.signed_form("/twilio/voice", voice_params(during))[0]
                time.sleep(0.05)
            self.assertEqual(code, 200, d.logs()[-2000:])
            self.assertEqual(d.signed_form("/twilio/status", status_params(before, "completed", 3))[0], 200)
            self.assertEqual(d.signed_form("/twilio/status", status_params(before, "completed", 3))[0], 200)
            body = d.api("GET", "/v1/calls/" + before, admin)[1]
            self.assertEqual(body["status"], "completed")
            self.assertEqual([e["seq"] for e in body["events"] if e["kind"] == "status"], [3])
            self.assertEqual([e["kind"] for e in d.api("GET", "/v1/calls/" + during, admin)[1]["events"]], ["voice"])
            # And it all survives a restart.
            d.restart()
            self.assertEqual(d.api("GET", "/v1/calls/" + before, admin)[1]["status"], "completed")
        finally:
            d.close()


if __name__ == "__main__":
    unittest.main()
