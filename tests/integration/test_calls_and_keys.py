"""Issue 3: status callbacks (reordered, duplicated, retried), orgs and keys, and isolation
between orgs — against the real daemon."""
import http.client
import json
import os
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

from harness import (DAEMON, DEMO_NUMBER, Daemon, call_sid, demo_first_answer, status_params, voice_calls,
                     voice_params)

B_ACCOUNT = "AC" + "b" * 32
B_TOKEN = "b" * 32
B_NUMBER = "+815099999999"


class StatusCallbackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def call(self, sid):
        status, body = self.d.api("GET", "/v1/calls/" + sid, self.admin)
        self.assertEqual(status, 200, body)
        return body

    def post_status(self, sid, status, seq, **kw):
        code, _, body = self.d.signed_form("/twilio/status", status_params(sid, status, seq), **kw)
        self.assertEqual(code, 200, body)

    def test_reordered_and_duplicated_callbacks_make_one_correct_record(self):
        sid = call_sid(1000)
        self.assertEqual(self.d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        for status, seq in [("completed", 3), ("ringing", 1), ("in-progress", 2), ("completed", 3),
                            ("ringing", 1), ("initiated", 0), ("in-progress", 2)]:
            self.post_status(sid, status, seq, headers={"I-Twilio-Idempotency-Token": "tok-%s-%d-%s" % (sid, seq, status)})
        c = self.call(sid)
        self.assertEqual(c["status"], "completed")
        self.assertEqual(c["disposition"], "answered")
        self.assertEqual(c["answered_at"], "2026-11-23T12:00:02Z")
        self.assertEqual(c["ended_at"], "2026-11-23T12:00:03Z")
        self.assertEqual(c["flow_path"], demo_first_answer()[1])
        statuses = [(e["kind"], e["seq"]) for e in c["events"]]
        self.assertEqual(sorted(statuses), sorted([("voice", 0), ("status", 0), ("status", 1), ("status", 2),
                                                   ("status", 3)]))

    def test_terminal_state_never_regresses(self):
        sid = call_sid(1001)
        self.d.signed_form("/twilio/voice", voice_params(sid))
        self.post_status(sid, "no-answer", 2, )
        self.post_status(sid, "ringing", 1)
        self.post_status(sid, "in-progress", 5)
        c = self.call(sid)
        self.assertEqual(c["status"], "no-answer")
        self.assertEqual(c["disposition"], "missed")

    def test_status_before_voice_webhook_is_kept(self):
        sid = call_sid(1002)
        self.post_status(sid, "ringing", 0)
        self.assertEqual(self.d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        c = self.call(sid)
        self.assertEqual(c["flow_id"], "main")
        self.assertEqual(c["status"], "ringing")
        self.assertEqual(len(c["events"]), 2)

    def test_retried_voice_webhook_gets_the_same_answer_and_no_second_event(self):
        sid = call_sid(1003)
        first = self.d.signed_form("/twilio/voice", voice_params(sid))
        again = self.d.signed_form("/twilio/voice", voice_params(sid))
        token = {"I-Twilio-Idempotency-Token": "voice-retry-1003"}
        third = self.d.signed_form("/twilio/voice", voice_params(sid), headers=token)
        fourth = self.d.signed_form("/twilio/voice", voice_params(sid), headers=token)
        self.assertEqual(first[2], again[2])
        self.assertEqual(first[2], third[2])
        self.assertEqual(first[2], fourth[2])
        self.assertEqual([e["kind"] for e in self.call(sid)["events"]], ["voice"])

    def test_same_idempotency_token_replays_without_applying(self):
        sid = call_sid(1004)
        self.d.signed_form("/twilio/voice", voice_params(sid))
        token = {"I-Twilio-Idempotency-Token": "same-token-1004"}
        self.post_status(sid, "ringing", 1, headers=token)
        # A second request with the same token is a retry of the first, whatever it carries.
        self.post_status(sid, "completed", 2, headers=token)
        c = self.call(sid)
        self.assertEqual(c["status"], "ringing")
        self.assertEqual(len([e for e in c["events"] if e["kind"] == "status"]), 1)

    def test_bad_status_callbacks(self):
        sid = call_sid(1005)
        params = status_params(sid, "ringing", 1)
        params["SequenceNumber"] = "-4"
        self.assertEqual(self.d.signed_form("/twilio/status", params)[0], 400)
        del params["CallStatus"]
        self.assertEqual(self.d.signed_form("/twilio/status", params)[0], 400)
        self.assertEqual(self.d.signed_form("/twilio/status", status_params(sid, "ringing", 1), token="x" * 32)[0], 403)
        self.assertEqual(self.d.api("GET", "/v1/calls/" + sid, self.admin)[0], 404)

    def test_live_calls_are_restored_after_restart(self):
        sid = call_sid(1006)
        self.d.signed_form("/twilio/voice", voice_params(sid))
        self.post_status(sid, "in-progress", 2)
        self.d.restart()
        _, _, metrics = self.d.request("GET", "/metrics")
        self.assertRegex(metrics.decode(), r"callrouter_live_calls [1-9]")
        self.assertIn("calls in progress restored", self.d.logs())
        self.post_status(sid, "completed", 3, )
        c = self.call(sid)
        self.assertEqual(c["status"], "completed")
        self.assertEqual(c["answered_at"], "2026-11-23T12:00:02Z")


class OrgsAndKeysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        d = cls.d
        cls.admin_a = d.demo_admin_key
        status, body = d.api("POST", "/v1/orgs", d.system_key, {
            "id": "beta", "name": "Beta", "account_sid": B_ACCOUNT, "auth_token": B_TOKEN,
            "timezone": "Europe/Berlin", "support_number": "+4930123456"})
        assert status == 201, body
        status, body = d.api("POST", "/v1/keys", d.system_key, {"org": "beta", "role": "admin"})
        assert status == 201, body
        cls.admin_b = body["key"]
        cls.admin_b_id = body["id"]
        status, body = d.api("POST", "/v1/keys", cls.admin_a, {"role": "agent", "user_id": "u_sato"})
        assert status == 201, body
        cls.agent_a = body["key"]
        # A call of org B, signed with B's token (B owns no number, so it is rejected, and recorded).
        cls.b_call = call_sid(2000)
        code, _, _ = d.signed_form("/twilio/voice", dict(voice_params(cls.b_call, to=B_NUMBER), AccountSid=B_ACCOUNT),
                                   token=B_TOKEN)
        assert code == 200
        cls.a_call = call_sid(2001)
        d.signed_form("/twilio/voice", voice_params(cls.a_call))

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_org_creation_rules(self):
        d = self.d
        good = {"id": "gamma", "account_sid": "AC" + "c" * 32, "auth_token": "c" * 32, "timezone": "Asia/Tokyo"}
        self.assertEqual(d.api("POST", "/v1/orgs", None, good)[0], 401)
        self.assertEqual(d.api("POST", "/v1/orgs", "not-a-key", good)[0], 401)
        self.assertEqual(d.api("POST", "/v1/orgs", self.admin_a, good)[0], 403)
        for field, value in [("account_sid", "AC123"), ("id", "Bad Id"), ("auth_token", "short"),
                             ("support_number", "12345")]:
            status, body = d.api("POST", "/v1/orgs", d.system_key, dict(good, **{field: value}))
            self.assertEqual(status, 400)
            self.assertIn(field, body["error"]["message"])
        status, body = d.api("POST", "/v1/orgs", d.system_key, dict(good, colour="red"))
        self.assertEqual(status, 400)
        self.assertIn("colour", body["error"]["message"])
        self.assertEqual(d.api("POST", "/v1/orgs", d.system_key, "{not json")[0], 400)
        status, body = d.api("POST", "/v1/orgs", d.system_key, good)
        self.assertEqual(status, 201, body)
        self.assertNotIn("auth_token", body)
        self.assertEqual(d.api("POST", "/v1/orgs", d.system_key, good)[0], 409)
        self.assertEqual(d.api("POST", "/v1/orgs", d.system_key, dict(good, id="delta"))[0], 409)  # same account

    def test_keys_are_scoped_revocable_and_survive_restart(self):
        d = self.d
        status, body = d.api("POST", "/v1/keys", self.admin_b, {"role": "admin"})
        self.assertEqual(status, 201)
        self.assertEqual(body["org"], "beta")
        key, key_id = body["key"], body["id"]
        self.assertEqual(d.api("GET", "/v1/keys", key)[0], 200)
        self.assertEqual(d.api("POST", "/v1/keys", self.agent_a, {"role": "admin"})[0], 403)
        self.assertEqual(d.api("POST", "/v1/keys", self.admin_b, {"role": "agent"})[0], 400)  # agent needs user
        self.assertEqual(d.api("POST", "/v1/keys", self.admin_b, {"role": "root"})[0], 400)
        self.assertEqual(d.api("DELETE", "/v1/keys/" + key_id, self.admin_b)[0], 200)
        self.assertEqual(d.api("GET", "/v1/keys", key)[0], 401)
        # Stored hashed: the token is nowhere in the journal's files.
        d.restart()
        self.assertEqual(d.api("GET", "/v1/keys", key)[0], 401)
        self.assertEqual(d.api("GET", "/v1/keys", self.admin_b)[0], 200)
        out = subprocess.run(["grep", "-r", "-c", key.split("_")[2], os.path.join(d.dir, "data")],
                             capture_output=True, text=True)
        self.assertNotIn(":1", out.stdout)

    def test_isolation_matrix(self):
        """Keys of org A against objects of org B: nothing read or changed, and the answer is the
        same as for an object that does not exist."""
        d = self.d
        missing_call = call_sid(9999)
        for key in (self.admin_a, self.agent_a):
            b = d.api("GET", "/v1/calls/" + self.b_call, key)
            nobody = d.api("GET", "/v1/calls/" + missing_call, key)
            self.assertEqual(b, nobody)
            self.assertEqual(b[0], 404)
        b = d.api("DELETE", "/v1/keys/" + self.admin_b_id, self.admin_a)
        nobody = d.api("DELETE", "/v1/keys/" + "0" * 16, self.admin_a)
        self.assertEqual(b, nobody)
        self.assertEqual(b[0], 404)
        self.assertEqual(d.api("GET", "/v1/keys", self.admin_b)[0], 200)  # B's key still works
        b = d.api("POST", "/v1/keys", self.admin_a, {"org": "beta", "role": "admin"})
        nobody = d.api("POST", "/v1/keys", self.admin_a, {"org": "nonexistent", "role": "admin"})
        self.assertEqual(b, nobody)
        self.assertEqual(b[0], 403)
        status, body = d.api("GET", "/v1/keys", self.admin_a)
        self.assertEqual({k["org"] for k in body["keys"]}, {"demo"})
        # B reads its own call, not A's.
        self.assertEqual(d.api("GET", "/v1/calls/" + self.b_call, self.admin_b)[0], 200)
        self.assertEqual(d.api("GET", "/v1/calls/" + self.a_call, self.admin_b)[0], 404)
        # An agent sees only calls it took or made.
        self.assertEqual(d.api("GET", "/v1/calls/" + self.a_call, self.agent_a)[0], 404)
        self.assertEqual(d.api("GET", "/v1/calls/" + self.a_call, self.admin_a)[0], 200)
        # The system key provisions; it reads no org's calls.
        self.assertEqual(d.api("GET", "/v1/calls/" + self.a_call, d.system_key)[0], 403)

    def test_webhooks_cannot_cross_orgs(self):
        d = self.d
        # B's account calling A's number: signed correctly by B, but the number is not B's.
        sid = call_sid(2002)
        code, _, body = d.signed_form("/twilio/voice", dict(voice_params(sid), AccountSid=B_ACCOUNT), token=B_TOKEN)
        self.assertEqual(code, 200)
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Reject"])
        # A's AccountSid signed with B's token is forged.
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(2003)), token=B_TOKEN)[0], 403)
        # A status callback from B about A's call creates B's own record, never touches A's.
        d.signed_form("/twilio/status", status_params(self.a_call, "completed", 9, account=B_ACCOUNT), token=B_TOKEN)
        self.assertNotEqual(d.api("GET", "/v1/calls/" + self.a_call, self.admin_a)[1]["status"], "completed")


class BackupTest(unittest.TestCase):
    def test_backup_while_running_restores(self):
        d = Daemon().start()
        restored = None
        try:
            sid = call_sid(3000)
            d.signed_form("/twilio/voice", voice_params(sid))
            target = os.path.join(d.dir, "backup-1")
            out = subprocess.run([DAEMON, "--config", d.config_path, "--backup", target],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("running daemon", out.stdout)
            # Restore: a new data dir whose journal is the checkpoint.
            restored = Daemon()
            os.makedirs(os.path.join(restored.dir, "data"))
            os.rename(target, os.path.join(restored.dir, "data", "journal"))
            record = restored.show_call("demo", sid)
            self.assertIsNotNone(record)
            self.assertEqual(record["flow_id"], "main")
            d.stop()
            # Stopped: the CLI makes the checkpoint itself.
            out = subprocess.run([DAEMON, "--config", d.config_path, "--backup", os.path.join(d.dir, "backup-2")],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertNotIn("running daemon", out.stdout)
        finally:
            d.close()
            if restored:
                restored.close()

    def test_backup_runs_beside_the_loop(self):
        """The checkpoint (a flush of every memtable) runs off the event loop: while it is being
        written the daemon answers other requests, and refuses a second backup."""
        d = Daemon().start()
        try:
            voice_calls(d, 10_000, 3000)  # a few MiB in the memtables: the flush takes a while
            headers = {"Authorization": "Bearer " + d.system_key, "Content-Type": "application/json"}
            first = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            second = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            first.request("POST", "/v1/system/backup", body=json.dumps({"dir": os.path.join(d.dir, "b1")}),
                          headers=headers)
            time.sleep(0.01)  # the first is being written
            second.request("POST", "/v1/system/backup", body=json.dumps({"dir": os.path.join(d.dir, "b2")}),
                           headers=headers)
            refused = second.getresponse()
            body = json.loads(refused.read())
            self.assertEqual(refused.status, 409, body)
            self.assertEqual(body["error"]["code"], "conflict")
            # The loop answers meanwhile (the first reply has not been read yet).
            self.assertEqual(d.request("GET", "/healthz")[0], 200)
            written = first.getresponse()
            self.assertEqual(written.status, 201, written.read())
            written.read()
            self.assertTrue(os.path.isdir(os.path.join(d.dir, "b1")))
            self.assertFalse(os.path.exists(os.path.join(d.dir, "b2")))
            # Done: the next backup is accepted.
            status, _ = d.api("POST", "/v1/system/backup", d.system_key, {"dir": os.path.join(d.dir, "b3")})
            self.assertEqual(status, 201)
            first.close()
            second.close()
        finally:
            d.close()


if __name__ == "__main__":
    unittest.main()
