"""Issue 19: faults around the daemon, against the real daemon. The provider's REST API down, slower
than our client waits, or answering garbage: a 502 provider_error in words, nothing bought, charged
or recorded, and the daemon goes on serving webhooks. A data dir that is corrupted, a file, or not
writable: the daemon exits non-zero at once with one line naming the path. The wall clock jumping
days forward and back (libfaketime) while calls are live: no live call is closed for it, an agent's
wrap-up still ends on time, and nothing crashes."""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import (DAEMON, DEMO_ACCOUNT, DEMO_TOKEN, Daemon, call_sid, free_port, status_params,
                     voice_params)
from provider_standin import ProviderStandIn

M = 1_000_000
NUMBER = "+14155550123"
DESTINATION = "+14155550100"
NOBODY = 65534


def add_credit(d, admin, payment_id):
    status, body = d.api("POST", "/v1/wallet/topups", admin, {"amount_micro": 50 * M, "payment_id": payment_id})
    assert status == 201, body
    return body["wallet"]["balance_micro"]


def agent_key(d, admin, user):
    status, body = d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": user})
    assert status == 201, body
    return body["key"]


class ProviderCase(unittest.TestCase):
    """Each request that needs the provider, and what must hold when it fails."""
    d = None

    def assert_provider_error(self, answer, *words):
        status, body = answer
        self.assertEqual(status, 502, body)
        self.assertIsInstance(body, dict, body)  # JSON, not whatever the provider sent
        self.assertEqual(body["error"]["code"], "provider_error", body)
        for word in words:
            self.assertIn(word, body["error"]["message"])
        return body["error"]["message"]

    def search(self):
        return self.d.api("GET", "/v1/numbers/available?country=US&type=local", self.admin)

    def buy_named(self):
        return self.d.api("POST", "/v1/numbers", self.admin, {"number": NUMBER, "type": "local"})

    def buy_any(self):
        return self.d.api("POST", "/v1/numbers", self.admin, {"country": "US", "type": "local"})

    def click_to_call(self):
        return self.d.api("POST", "/v1/calls", self.agent, {"to": DESTINATION})

    placed = 0  # outbound calls a test placed on purpose

    def assert_nothing_happened(self, balance):
        """No number kept, nothing charged, no outbound call recorded, and webhooks still served."""
        numbers = [n["number"] for n in self.d.api("GET", "/v1/numbers", self.admin)[1]["numbers"]]
        self.assertEqual(numbers, ["+815012345678"])
        if not type(self).placed:
            self.assertEqual(self.d.api("GET", "/v1/wallet", self.admin)[1]["balance_micro"], balance)
        calls = self.d.api("GET", "/v1/calls?direction=outbound", self.admin)[1]["calls"]
        self.assertEqual(len(calls), type(self).placed, calls)
        self.assert_serving()

    def assert_serving(self):
        self.assertIsNone(self.d.proc.poll(), "the daemon exited:\n" + self.d.logs()[-2000:])
        sid = call_sid(int(time.time() * 1000) % 10**9)
        t0 = time.monotonic()
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid))
        self.assertEqual(status, 200, body)
        self.assertLess(time.monotonic() - t0, 2.0, "a webhook waited on the provider")
        self.assertEqual(self.d.request("GET", "/readyz")[0], 200)


class ProviderDownTest(ProviderCase):
    """Nothing listens where provider.api_base_url points."""

    @classmethod
    def setUpClass(cls):
        cls.url = "http://127.0.0.1:%d" % free_port()
        cls.d = Daemon({"provider": {"api_base_url": cls.url}})
        cls.addClassCleanup(cls.d.close)
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        cls.agent = agent_key(cls.d, cls.admin, "u_sato")
        cls.balance = add_credit(cls.d, cls.admin, "pay-down")

    def test_every_provider_request_answers_502_in_words(self):
        for answer in (self.search(), self.buy_named(), self.buy_any(), self.click_to_call()):
            self.assert_provider_error(answer, "could not be reached", self.url, "provider.api_base_url")
        self.assert_nothing_happened(self.balance)


class ProviderGarbageTest(ProviderCase):
    """The provider answers 2xx with what is not its documented JSON."""

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        cls.provider.offer("US", "Local", NUMBER, region="CA")
        cls.d = Daemon({"provider": {"api_base_url": cls.provider.url}})
        cls.addClassCleanup(cls.d.close)
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        cls.agent = agent_key(cls.d, cls.admin, "u_sato")
        cls.balance = add_credit(cls.d, cls.admin, "pay-garbage")

    def tearDown(self):
        self.provider.clear_failures()

    def test_a_search_answered_with_garbage(self):
        p = self.provider
        for body in (b"<html><body>502 Bad Gateway</body></html>", b"", b'{"available_phone_numbers": [',
                     {"available_phone_numbers": {"phone_number": NUMBER}}, {"numbers": []}, [1, 2, 3]):
            p.fail("GET", r"AvailablePhoneNumbers/US/Local\.json", 200, body)
            self.assert_provider_error(self.search())
            self.assert_provider_error(self.buy_any())
            p.clear_failures()
        # The search itself worked: the stand-in is not the fault.
        status, body = self.search()
        self.assertEqual((status, [n["number"] for n in body["numbers"]]), (200, [NUMBER]))
        self.assert_nothing_happened(self.balance)

    def test_a_purchase_answered_with_garbage_keeps_no_number(self):
        p = self.provider
        for body in (b"Service Unavailable", {"sid": 42}, {"sid": ""}, {"phone_number": NUMBER}, "PN" + "0" * 32):
            p.fail("POST", r"IncomingPhoneNumbers\.json", 201, body)
            self.assert_provider_error(self.buy_named())
            p.clear_failures()
        self.assert_nothing_happened(self.balance)

    def test_a_search_offering_what_is_not_a_phone_number_buys_nothing(self):
        # The provider offers a "number" that is not one; were it bought, it would become a key of
        # the directory and a row in /v1/numbers.
        p = self.provider
        purchases = len(p.received("POST", r"IncomingPhoneNumbers\.json"))
        p.fail("GET", r"AvailablePhoneNumbers/US/Local\.json", 200,
               {"available_phone_numbers": [{"phone_number": "<script>alert(1)</script>"}]})
        p.fail("POST", r"IncomingPhoneNumbers\.json", 201, {"sid": "PN" + "1" * 32, "phone_number": "x"})
        self.assert_provider_error(self.buy_any())
        self.assertEqual(len(p.received("POST", r"IncomingPhoneNumbers\.json")), purchases)  # never asked to buy it
        self.assert_nothing_happened(self.balance)

    def test_a_call_placed_with_a_garbage_answer_records_nothing(self):
        p = self.provider
        for body in (b"<html>oops</html>", {"sid": None}, {"sid": ""}, {"sid": "../../v1/wallet"},
                     {"sid": "CA" + "x" * 32}, {"status": "queued"}):
            p.fail("POST", r"Calls\.json", 201, body)
            self.assert_provider_error(self.click_to_call())
            p.clear_failures()
        self.assert_nothing_happened(self.balance)
        # And the wallet's hold was given back: a good answer now places the call.
        status, body = self.click_to_call()
        self.assertEqual(status, 201, body)
        type(self).placed += 1


class ProviderSlowTest(ProviderCase):
    """The provider answers only after our client has stopped waiting (5 s an attempt)."""

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        cls.provider.offer("US", "Local", NUMBER, region="CA")
        cls.d = Daemon({"provider": {"api_base_url": cls.provider.url}})
        cls.addClassCleanup(cls.d.close)
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        cls.agent = agent_key(cls.d, cls.admin, "u_sato")
        cls.balance = add_credit(cls.d, cls.admin, "pay-slow")

    def test_requests_past_the_timeout_answer_502_and_webhooks_are_not_held_up(self):
        p = self.provider
        late = {"available_phone_numbers": []}
        p.fail("GET", r"AvailablePhoneNumbers/US/Local\.json", 200, late, delay_s=6)
        p.fail("POST", r"IncomingPhoneNumbers\.json", 201, {"sid": "PN" + "2" * 32}, delay_s=6)
        p.fail("POST", r"Calls\.json", 201, {"sid": "CA" + "3" * 32}, delay_s=6)
        answers = {}
        asks = {"search": self.search, "buy": self.buy_named, "call": self.click_to_call}

        def ask(name):
            t0 = time.monotonic()
            try:
                answers[name] = (asks[name](), time.monotonic() - t0)
            except Exception as e:  # noqa: BLE001 — reported below
                answers[name] = (e, time.monotonic() - t0)

        threads = [threading.Thread(target=ask, args=(n,)) for n in asks]
        for t in threads:
            t.start()
        time.sleep(1)
        while any(t.is_alive() for t in threads):
            self.assert_serving()  # meanwhile webhooks are answered at once
            time.sleep(1)
        for t in threads:
            t.join()
        for name, (answer, took) in answers.items():
            self.assertIsInstance(answer, tuple, "%s: %r" % (name, answer))
            message = self.assert_provider_error(answer)
            self.assertIn("time", message.lower(), (name, message))  # says it timed out
            self.assertLess(took, 30, name)
        # The purchase and the call were sent once each (neither is idempotent): the provider may
        # have done them. The daemon recorded neither, and says so in words rather than guessing.
        self.assertEqual(len(p.received("POST", r"IncomingPhoneNumbers\.json")), 1)
        self.assertEqual(len(p.received("POST", r"Calls\.json")), 1)
        self.assert_nothing_happened(self.balance)


class DataDirTest(unittest.TestCase):
    """What an operator can get wrong or a disk can do to the data dir: each start exits non-zero
    at once, with one line that names the path, and neither crashes nor hangs nor starts afresh."""

    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.close)
        self.data = os.path.join(self.d.dir, "data")
        self.journal = os.path.join(self.data, "journal")

    def start_refused(self, *expect, user=None, timeout=15):
        cmd = [DAEMON, "--config", self.d.config_path]
        if user is not None:
            cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
        t0 = time.monotonic()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.fail("the daemon did not exit in %d s: %s" % (timeout, e.stdout))
        took = time.monotonic() - t0
        text = out.stdout + out.stderr
        self.assertGreater(out.returncode, 0, "exit %d (a signal is a crash):\n%s" % (out.returncode, text))
        self.assertLess(took, 5, text)
        self.assertNotIn("first start", text)  # never seeds a fresh state over what was there
        for bad in ("terminate called", "Assertion", "Segmentation", "core dumped"):
            self.assertNotIn(bad, text)
        fatal = [line for line in text.splitlines() if "[critical]" in line]
        self.assertEqual(len(fatal), 1, text)
        for word in expect:
            self.assertIn(word, fatal[0])
        return fatal[0]

    def with_history(self):
        """A data dir that has served: seeded, a few calls, stopped cleanly."""
        self.d.start()
        for n in range(20):
            self.d.signed_form("/twilio/voice", voice_params(call_sid(9100 + n)))
        self.assertEqual(self.d.stop(), 0)

    def test_the_data_dir_is_a_file(self):
        with open(self.data, "w") as f:
            f.write("not a directory\n")
        self.start_refused(self.data)

    def test_the_journal_is_a_file(self):
        os.mkdir(self.data)
        with open(self.journal, "w") as f:
            f.write("not a directory\n")
        self.start_refused(self.journal)

    def test_garbage_in_current(self):
        self.with_history()
        with open(os.path.join(self.journal, "CURRENT"), "wb") as f:
            f.write(b"\x00\xffgarbage\n")
        self.start_refused(self.data, "CURRENT")

    def test_a_manifest_overwritten_with_garbage(self):
        self.with_history()
        (manifest,) = [f for f in os.listdir(self.journal) if f.startswith("MANIFEST-")]
        path = os.path.join(self.journal, manifest)
        with open(path, "r+b") as f:
            f.write(os.urandom(64))
        self.start_refused(self.data)

    # Found by this test (issue 19): RocksDB opened the cut journal as an empty one and deleted the
    # table files it no longer named; the daemon seeded a fresh demo org and served. The journal
    # now notes its MANIFEST's synced size after each flush and compaction, and refuses a shorter one.
    def test_a_truncated_manifest(self):
        # Cut early, the MANIFEST no longer names the journal's files: RocksDB opens an empty
        # database (a torn write at its end is what it must tolerate), and the daemon would seed
        # a new demo org and take calls with every record of the old ones gone.
        self.assert_cut_manifest_refused(lambda size: size // 10)

    def test_a_manifest_missing_its_last_edits(self):
        # Cut late, only the last flushes are lost: the old WAL still replays the configuration,
        # so the daemon would not even seed; it would serve with the newest calls gone.
        self.assert_cut_manifest_refused(lambda size: size * 9 // 10)

    def assert_cut_manifest_refused(self, cut):
        self.with_history()
        (manifest,) = [f for f in os.listdir(self.journal) if f.startswith("MANIFEST-")]
        path = os.path.join(self.journal, manifest)
        os.truncate(path, cut(os.path.getsize(path)))
        before = sorted(os.listdir(self.journal))
        self.start_refused(self.data, "restore", manifest, timeout=4)
        # Nothing deleted: the table files are what a repair would rebuild the journal from.
        self.assertEqual(sorted(os.listdir(self.journal)), before)

    def test_the_data_dir_is_not_writable(self):
        os.mkdir(self.data, 0o555)
        os.chown(self.d.dir, NOBODY, NOBODY)  # the rest (keys, log) is the daemon user's own
        self.start_refused(self.data, user=NOBODY)

    def test_the_journal_files_belong_to_another_user(self):
        # An operator restored a backup as root and the service runs as its own user.
        self.with_history()
        os.chown(self.d.dir, NOBODY, NOBODY)
        os.chown(self.data, NOBODY, NOBODY)
        for name in ("system-key", "demo-admin-key", "daemon.log"):
            os.chown(os.path.join(self.d.dir, name), NOBODY, NOBODY)
        self.start_refused(self.journal, user=NOBODY)


LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
DAY = 86400

# A caller waits for the sales group when nobody is free; no business hours, so the faked day of
# the week does not matter.
QUEUED = {"start": "sales", "states": [
    {"id": "sales", "type": "ring_group", "group": "sales", "strategy": "longest_idle", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 600, "music_url": "https://example.com/hold.mp3"},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
    {"id": "bye", "type": "hangup"}]}


@unittest.skipUnless(os.path.exists(LIBFAKETIME), "libfaketime (Debian package faketime) is not installed")
class ClockJumpTest(unittest.TestCase):
    """The daemon's wall clock (time(), clock_gettime(CLOCK_REALTIME)) is shifted by libfaketime,
    read from a file at every call; the monotonic clock is left alone, as a real clock step does."""

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        # The provider cannot be asked about calls: were a call "old" by the jumped clock, only
        # our own judgement would keep it.
        cls.provider.fail("GET", r"Calls/CA[0-9a-f]{32}\.json", 503)
        cls.d = Daemon({"provider": {"api_base_url": cls.provider.url},
                        "calls": {"check_after_s": 1, "expire_after_s": 3600}})
        cls.addClassCleanup(cls.d.close)
        cls.offset_file = os.path.join(cls.d.dir, "faketime")
        cls.jump(0)
        cls.d.env.update({"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": cls.offset_file,
                          "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1"})
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        d = cls.d
        assert d.api("PUT", "/v1/flows/queued/draft", cls.admin, QUEUED)[0] in (200, 201)
        assert d.api("POST", "/v1/flows/queued/publish", cls.admin)[0] == 200
        assert d.api("PUT", "/v1/numbers/%2B815012345678/flow", cls.admin, {"flow_id": "queued"})[0] == 200
        assert d.api("PATCH", "/v1/groups/sales", cls.admin, {"wrap_up_s": 2})[0] == 200
        assert d.api("PUT", "/v1/users/u_sato/presence", cls.admin, {"presence": "away"})[0] == 200

    @classmethod
    def jump(cls, seconds):
        with open(cls.offset_file + ".tmp", "w") as f:
            f.write("%+d\n" % seconds)
        os.replace(cls.offset_file + ".tmp", cls.offset_file)

    def call(self, sid):
        status, call = self.d.api("GET", "/v1/calls/" + sid, self.admin)
        self.assertEqual(status, 200, call)
        return call

    def answer_tags(self, answer):
        status, _, body = answer
        self.assertEqual(status, 200, body)
        return [c.tag for c in ET.fromstring(body)]

    # Found by this test (issue 19): the agent pool clamped `now` to the latest it had seen, so
    # after the clock was set three days back a wrap-up begun while it was ahead lasted three days
    # and the waiting caller was never sent. The pool now moves its deadlines with a clock step.
    def test_live_calls_stay_and_wrap_up_ends_across_jumps(self):
        d, p = self.d, self.provider
        talking, waiting, later = call_sid(9200), call_sid(9201), call_sid(9202)
        # Kato takes the first call; the second waits in the queue.
        self.assertEqual(self.answer_tags(d.signed_form("/twilio/voice", voice_params(talking))), ["Dial"])
        leg = dict(voice_params("CA" + "e" * 32), CallStatus="in-progress", ParentCallSid=talking, To="client:kato")
        self.assertEqual(d.signed_form("/twilio/status?agent=u_kato", leg)[0], 200)
        self.assertEqual(self.answer_tags(d.signed_form("/twilio/voice", voice_params(waiting))), ["Enqueue"])

        # Three days forward: by the wall clock both calls are far past expire_after_s, and the
        # provider cannot be asked. They are seconds old; they stay.
        self.jump(3 * DAY)
        p.wait_for("GET", r"Calls/CA[0-9a-f]{32}\.json", count=2, timeout=10)
        time.sleep(3)  # a few sweeps, each with its retries
        for sid in (talking, waiting):
            self.assertIn(self.call(sid)["status"], ("ringing", "in-progress"), sid)

        # Kato hangs up while the clock is ahead, then it is set right (three days back): the
        # wrap-up (2 s) still ends, and the waiting caller is sent to Kato.
        moved = len(p.received("POST", r"Calls/%s\.json" % waiting))
        ended = dict(leg, CallStatus="completed", CallDuration="30")
        self.assertEqual(d.signed_form("/twilio/status?agent=u_kato", ended)[0], 200)
        self.jump(0)
        found = p.wait_for("POST", r"Calls/%s\.json" % waiting, count=moved + 1, timeout=8)
        self.assertGreater(len(found), moved, "the waiting caller was not sent to Kato after the wrap-up")

        # Three days back from the true time: calls start "in the past", end, and are listed.
        self.jump(-3 * DAY)
        self.assertEqual(self.answer_tags(d.signed_form("/twilio/voice", voice_params(later))), ["Enqueue"])
        for seq, sid in enumerate((talking, later), start=1):
            status, _, body = d.signed_form("/twilio/status", status_params(sid, "completed", seq, CallDuration="30"))
            self.assertEqual(status, 200, body)
            call = self.call(sid)
            self.assertEqual((call["status"], call["duration_s"]), ("completed", 30))
        self.assertEqual(d.api("GET", "/v1/calls?limit=10", self.admin)[0], 200)
        self.assertEqual(d.request("GET", "/v1/calls.csv", headers={"Authorization": "Bearer " + self.admin})[0], 200)
        self.assertEqual(d.api("GET", "/v1/analytics?by=user", self.admin)[0], 200)
        self.assertIn(self.call(waiting)["status"], ("ringing", "in-progress"))
        self.jump(0)
        self.assertIsNone(d.proc.poll(), d.logs()[-3000:])
        self.assertEqual(d.stop(), 0, d.logs()[-3000:])
        for bad in ("[critical]", "terminate called"):
            self.assertNotIn(bad, d.logs())
        d.start()  # and the journal written across the jumps loads
        self.assertIn(self.call(waiting)["status"], ("ringing", "in-progress"))


if __name__ == "__main__":
    unittest.main()
