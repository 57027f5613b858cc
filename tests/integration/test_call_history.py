"""Issue 14: the call log. GET /v1/calls with every DESIGN §4 filter over calls placed through
signed webhooks, paging while calls keep arriving, agent keys and other orgs; GET /v1/calls.csv
opened by a real spreadsheet (LibreOffice headless → xlsx → openpyxl); retention with a moved clock."""
import glob
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import openpyxl

from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid, voice_params
from harness import status_params as fixed_time_status_params
from provider_standin import ProviderStandIn

BETA_ACCOUNT, BETA_TOKEN, BETA_NUMBER = "AC" + "b" * 32, "b" * 32, "+815055550001"

RING = {"start": "sales", "states": [
    {"id": "sales", "type": "ring_group", "group": "sales", "ring_timeout_s": 15, "on": {"no_answer": "bye"}},
    {"id": "bye", "type": "hangup"}]}
QUEUED = {"start": "sales", "states": [
    {"id": "sales", "type": "ring_group", "group": "sales", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 120},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
    {"id": "bye", "type": "hangup"}]}

# What a spreadsheet must see as text, never run: a caller ID can be anything the network sends.
FORMULA_CALLER = "=HYPERLINK(\"http://evil.example\",\"x\")"


def status_params(sid, status, seq, **extra):
    """A status callback dated now, as the provider dates them (talk time runs to this moment)."""
    return fixed_time_status_params(sid, status, seq, Timestamp=time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                                    **extra)


def quoted(number):
    return urllib.parse.quote(number, safe="")


class CallHistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN, BETA_ACCOUNT: BETA_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        cls.d = Daemon(extra_config={"provider": {"api_base_url": cls.provider.url}})
        cls.addClassCleanup(cls.d.close)
        d = cls.d.start()
        cls.admin = d.demo_admin_key
        cls.sato = cls.key({"role": "agent", "user_id": "u_sato"})
        cls.kato = cls.key({"role": "agent", "user_id": "u_kato"})
        cls.ok(d.api("PATCH", "/v1/users/u_sato", cls.admin, {"name": "佐藤 太郎"}))
        cls.ok(d.api("POST", "/v1/wallet/topups", cls.admin, {"amount_micro": 5_000_000}), 201)
        for flow, definition in (("line", RING), ("queued", QUEUED)):
            cls.ok(d.api("POST", "/v1/flows", cls.admin, {"id": flow, "name": flow}), 201)
            cls.ok(d.api("PUT", "/v1/flows/%s/draft" % flow, cls.admin, definition))
            cls.ok(d.api("POST", "/v1/flows/%s/publish" % flow, cls.admin))
        cls.beta = cls.make_beta()
        cls.sids = cls.place_calls()

    @classmethod
    def ok(cls, answer, status=200):
        assert answer[0] == status, answer
        return answer[1]

    @classmethod
    def key(cls, body, key=None):
        return cls.ok(cls.d.api("POST", "/v1/keys", key or cls.admin, body), 201)["key"]

    @classmethod
    def make_beta(cls):
        """Another org with a number and no flow: its calls are rejected, and are its own."""
        d = cls.d
        cls.ok(d.api("POST", "/v1/orgs", d.system_key, {"id": "beta", "name": "Beta", "account_sid": BETA_ACCOUNT,
                                                        "auth_token": BETA_TOKEN, "timezone": "Europe/Berlin"}), 201)
        beta = cls.key({"org": "beta", "role": "admin"}, d.system_key)
        cls.ok(d.api("POST", "/v1/wallet/topups", beta, {"amount_micro": 5_000_000}), 201)
        cls.provider.offer("JP", "Local", BETA_NUMBER)
        cls.ok(d.api("POST", "/v1/numbers", beta, {"number": BETA_NUMBER}), 201)
        return beta

    @classmethod
    def signed(cls, path, params, token=DEMO_TOKEN):
        status, _, body = cls.d.signed_form(path, params, token=token)
        assert status == 200, (path, status, body)
        return body

    @classmethod
    def answered_by(cls, sid, caller, user, client):
        cls.signed("/twilio/voice", voice_params(sid, frm=caller))
        leg = dict(voice_params("CA" + sid[-31:] + "f", frm=caller), CallStatus="in-progress", ParentCallSid=sid,
                   To="client:" + client)
        cls.signed("/twilio/status?agent=" + user, leg)
        time.sleep(1.1)  # a second of talk time
        cls.signed("/twilio/status", status_params(sid, "completed", 5, frm=caller, CallDuration="2"))

    @classmethod
    def place_calls(cls):
        d = cls.d
        s = {}
        cls.ok(d.api("PUT", "/v1/numbers/%s/flow" % quoted(DEMO_NUMBER), cls.admin, {"flow_id": "line"}))
        s["sato"] = call_sid(1401)
        cls.answered_by(s["sato"], "+819011110001", "u_sato", "sato")
        s["kato"] = call_sid(1402)
        cls.answered_by(s["kato"], "+819011110002", "u_kato", "kato")
        # Rang out: the provider gives up, nobody took it.
        s["missed"] = call_sid(1403)
        cls.signed("/twilio/voice", voice_params(s["missed"], frm=FORMULA_CALLER))
        cls.signed("/twilio/status", status_params(s["missed"], "no-answer", 2, frm=FORMULA_CALLER))
        # Everyone away: the caller waits in the queue and hangs up there.
        cls.ok(d.api("PUT", "/v1/numbers/%s/flow" % quoted(DEMO_NUMBER), cls.admin, {"flow_id": "queued"}))
        for user in ("u_sato", "u_kato"):
            cls.ok(d.api("PUT", "/v1/users/%s/presence" % user, cls.admin, {"presence": "away"}))
        s["abandoned"] = call_sid(1404)
        root = ET.fromstring(cls.signed("/twilio/voice", voice_params(s["abandoned"], frm="+819011110004")))
        assert [c.tag for c in root] == ["Enqueue"], ET.tostring(root)
        time.sleep(2.1)  # the provider dates the hang-up in whole seconds: at least one of them waited
        cls.signed("/twilio/status", status_params(s["abandoned"], "completed", 3, frm="+819011110004", CallDuration="2"))
        # Sato's click-to-call that the customer never picks up.
        placed = cls.ok(d.api("POST", "/v1/calls", cls.sato, {"to": "+14155550100"}), 201)
        s["outbound"] = placed["sid"]
        cls.signed("/twilio/status", status_params(s["outbound"], "no-answer", 2, to="client:sato",
                                                   frm="+815012345678", Direction="outbound-api"))
        # Beta's call: rejected (no flow on its number).
        s["beta"] = call_sid(1409)
        body = cls.signed("/twilio/voice", dict(voice_params(s["beta"], to=BETA_NUMBER), AccountSid=BETA_ACCOUNT),
                          token=BETA_TOKEN)
        assert b"Reject" in body, body
        cls.signed("/twilio/status", dict(status_params(s["beta"], "busy", 1, to=BETA_NUMBER, account=BETA_ACCOUNT)),
                   token=BETA_TOKEN)
        return s

    def page(self, query="", key=None, expect=200):
        status, body = self.d.api("GET", "/v1/calls" + ("?" + query if query else ""), key or self.admin)
        self.assertEqual(status, expect, body)
        return body

    def sids_of(self, query="", key=None):
        return [c["sid"] for c in self.page(query, key)["calls"]]

    def test_the_log_lists_the_orgs_calls_newest_first_with_what_a_log_needs(self):
        s = self.sids
        body = self.page()
        self.assertEqual([c["sid"] for c in body["calls"]],
                         [s["outbound"], s["abandoned"], s["missed"], s["kato"], s["sato"]])
        self.assertIsNone(body["next_cursor"])
        calls = {c["sid"]: c for c in body["calls"]}
        sato = calls[s["sato"]]
        self.assertEqual((sato["outcome"], sato["missed"], sato["user_id"], sato["group_id"], sato["our_number"]),
                         ("answered", False, "u_sato", "sales", DEMO_NUMBER))
        self.assertIsInstance(sato["talk_s"], int)  # whole seconds from the answer to the end
        self.assertIn("charge_micro", sato)
        self.assertIn("recording_url", sato)
        abandoned = calls[s["abandoned"]]
        self.assertEqual((abandoned["outcome"], abandoned["missed"]), ("abandoned", True))
        self.assertGreaterEqual(abandoned["queue_wait_s"], 1)
        self.assertEqual(calls[s["missed"]]["outcome"], "missed")
        out = calls[s["outbound"]]
        self.assertEqual((out["direction"], out["outcome"], out["user_id"], out["our_number"]),
                         ("outbound", "unanswered", "u_sato", DEMO_NUMBER))
        # The single-call route still answers, with the same fields plus its timeline.
        status, one = self.d.api("GET", "/v1/calls/" + s["sato"], self.admin)
        self.assertEqual((status, one["user_id"], one["group_id"]), (200, "u_sato", "sales"))
        self.assertIn("events", one)

    def test_every_filter(self):
        s = self.sids
        t = {c["sid"]: c["started_at"] for c in self.page()["calls"]}
        cases = [
            ("direction=outbound", [s["outbound"]]),
            ("direction=inbound", [s["abandoned"], s["missed"], s["kato"], s["sato"]]),
            ("outcome=answered", [s["kato"], s["sato"]]),
            ("outcome=missed", [s["abandoned"], s["missed"]]),  # 不在着信: abandoned in a queue counts
            ("outcome=abandoned", [s["abandoned"]]),
            ("outcome=unanswered", [s["outbound"]]),
            ("outcome=voicemail", []),
            ("outcome=rejected", []),
            ("user=u_sato", [s["outbound"], s["sato"]]),
            ("user=u_kato", [s["kato"]]),
            ("group=sales", [s["kato"], s["sato"]]),
            ("number=" + quoted(DEMO_NUMBER), [s["outbound"], s["abandoned"], s["missed"], s["kato"], s["sato"]]),
            ("number=%2B815099999999", []),
            ("flow=line", [s["missed"], s["kato"], s["sato"]]),
            ("flow=queued", [s["abandoned"]]),
            ("q=1111-0002", [s["kato"]]),
            ("q=%2B1415", [s["outbound"]]),
            ("q=9011110", [s["abandoned"], s["kato"], s["sato"]]),
            ("since=%s&until=%s" % (quoted(t[s["kato"]]), quoted(t[s["abandoned"]])), [s["missed"], s["kato"]]),
            ("direction=inbound&outcome=answered&user=u_kato&group=sales&flow=line&q=0002", [s["kato"]]),
            ("since=2000-01-01&until=2000-01-31", []),
        ]
        for query, expected in cases:
            self.assertEqual(self.sids_of(query), expected, query)

    def test_bad_values_are_refused_naming_the_parameter(self):
        for query, name in [("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
                            ("direction=up", "direction"), ("outcome=lost", "outcome"), ("cursor=zz", "cursor"),
                            ("since=yesterday", "since"), ("until=2026-13-01", "until"), ("q=abc", "q"),
                            ("number=12345", "number"), ("tz=Asia%2FTokyo", "tz"), ("colour=red", "colour")]:
            body = self.page(query, expect=400)
            self.assertEqual(body["error"]["code"], "invalid_request", query)
            self.assertIn("'%s'" % name, body["error"]["message"], query)
        self.assertEqual(len(self.page("limit=500")["calls"]), 5)
        self.assertEqual(self.d.api("GET", "/v1/calls")[0], 401)
        self.assertEqual(self.d.api("GET", "/v1/calls", self.d.system_key)[0], 403)

    def test_an_agent_sees_only_its_own_calls_and_another_org_nothing_of_ours(self):
        s = self.sids
        self.assertEqual(self.sids_of(key=self.sato), [s["outbound"], s["sato"]])
        self.assertEqual(self.sids_of(key=self.kato), [s["kato"]])
        self.assertEqual(self.sids_of("outcome=answered", key=self.sato), [s["sato"]])
        self.assertEqual(self.page("user=u_kato", key=self.sato, expect=403)["error"]["code"], "forbidden")
        # Beta sees its rejected call and nothing of demo's, by any filter; demo never sees beta's.
        self.assertEqual(self.sids_of(key=self.beta), [s["beta"]])
        self.assertEqual(self.sids_of("outcome=rejected", key=self.beta), [s["beta"]])
        for query in ("user=u_sato", "group=sales", "number=" + quoted(DEMO_NUMBER), "q=9011110", "flow=line"):
            self.assertEqual(self.sids_of(query, key=self.beta), [], query)
        self.assertNotIn(s["beta"], self.sids_of())
        self.assertEqual(self.sids_of("number=" + quoted(BETA_NUMBER)), [])
        self.assertEqual(self.d.api("GET", "/v1/calls/" + s["beta"], self.admin)[0], 404)
        status, _, body = self.d.request("GET", "/v1/calls.csv", headers={"Authorization": "Bearer " + self.beta})
        self.assertEqual(status, 200)
        self.assertEqual(body.decode("utf-8-sig").count("\r\n"), 2)  # header and its one call

    def csv(self, query="", key=None):
        status, headers, body = self.d.request("GET", "/v1/calls.csv" + ("?" + query if query else ""),
                                               headers={"Authorization": "Bearer " + (key or self.admin)})
        self.assertEqual(status, 200, body[:300])
        return headers, body

    def test_csv_is_streamed_excel_safe_and_opens_in_a_real_spreadsheet(self):
        s = self.sids
        headers, body = self.csv("lang=ja&since=2000-01-01&until=2099-12-31&direction=inbound")
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        self.assertNotIn("content-length", headers)
        self.assertEqual(headers["content-type"], "text/csv; charset=utf-8")
        self.assertEqual(headers["content-disposition"], 'attachment; filename="calls-2000-01-01_2099-12-31.csv"')
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
        text = body[3:].decode("utf-8")
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\n", text.replace("\r\n", ""))
        self.assertTrue(text.startswith("通話SID,方向,結果,"))

        sheet = self.open_in_libreoffice(body)
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header, data = rows[0], rows[1:]
        self.assertEqual(header[:3], ["通話SID", "方向", "結果"])
        self.assertEqual([r[0] for r in data], [s["abandoned"], s["missed"], s["kato"], s["sato"]])  # one row per call
        col = {name: i for i, name in enumerate(header)}
        sato = data[3]
        self.assertEqual(sato[col["ユーザー名"]], "佐藤 太郎")
        self.assertEqual(sato[col["方向"]], "着信")
        self.assertEqual(sato[col["結果"]], "応答")
        self.assertEqual(data[0][col["結果"]], "放棄(不在着信)")
        # Phone numbers stay text (a leading apostrophe keeps the + and stops a formula).
        self.assertEqual(sato[col["発信元番号"]], "'+819011110001")
        self.assertEqual(sato[col["自社番号"]], "'" + DEMO_NUMBER)
        # Times on the org's clock (Asia/Tokyo) with the offset; figures are numbers.
        self.assertRegex(sato[col["開始日時"]], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00$")
        self.assertIsInstance(sato[col["通話時間(秒)"]], int)
        self.assertIsInstance(sato[col["待ち時間(秒)"]], int)
        self.assertEqual(data[1][col["発信元番号"]], "'" + FORMULA_CALLER)
        for row in sheet.iter_rows():
            for cell in row:
                self.assertNotEqual(cell.data_type, "f", (cell.coordinate, cell.value))

    def test_csv_takes_the_filters_a_time_zone_and_english(self):
        s = self.sids
        headers, body = self.csv("tz=UTC&outcome=missed")
        self.assertRegex(headers["content-disposition"], r'^attachment; filename="calls-start_\d{4}-\d\d-\d\d\.csv"$')
        lines = body.decode("utf-8-sig").split("\r\n")
        self.assertTrue(lines[0].startswith("sid,direction,outcome,from,to,our_number,"))
        self.assertEqual([l.split(",")[0] for l in lines[1:-1]], [s["abandoned"], s["missed"]])
        self.assertRegex(lines[1], r",\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00,")
        _, mine = self.csv(key=self.kato)
        self.assertEqual([l.split(",")[0] for l in mine.decode("utf-8-sig").split("\r\n")[1:-1]], [s["kato"]])
        status, _, body = self.d.request("GET", "/v1/calls.csv?tz=Mars%2FBase",
                                         headers={"Authorization": "Bearer " + self.admin})
        self.assertEqual(status, 400)
        self.assertIn(b"'tz'", body)

    def open_in_libreoffice(self, csv_bytes):
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        self.assertIsNotNone(soffice, "LibreOffice is missing: run scripts/bootstrap (it installs libreoffice-calc)")
        work = tempfile.mkdtemp(prefix="callrouter-csv-")
        self.addCleanup(shutil.rmtree, work, True)
        path = os.path.join(work, "calls.csv")
        with open(path, "wb") as f:
            f.write(csv_bytes)
        # Comma-separated, double quotes, UTF-8 (76), from row 1: what Calc's import dialog picks for it.
        subprocess.run([soffice, "-env:UserInstallation=file://" + os.path.join(work, "profile"), "--headless",
                        "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", work, path],
                       check=True, capture_output=True, timeout=120)
        return openpyxl.load_workbook(os.path.join(work, "calls.xlsx")).active


class PagingTest(unittest.TestCase):
    """Pages of 2 over a log that grows between pages: every call that was there at the first
    page is listed exactly once, and none of the new ones sneaks in behind the cursor."""

    def test_paging_stays_correct_while_calls_keep_arriving(self):
        d = Daemon()
        self.addCleanup(d.close)
        d.start()
        admin = d.demo_admin_key

        def voice(n):
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(n)))[0], 200)

        for n in range(1, 8):
            voice(n)
        before = [c["sid"] for c in d.api("GET", "/v1/calls?limit=500", admin)[1]["calls"]]
        self.assertEqual(before, [call_sid(n) for n in range(7, 0, -1)])
        seen, cursor, arrived = [], None, 100
        while True:
            status, body = d.api("GET", "/v1/calls?limit=2" + ("&cursor=" + cursor if cursor else ""), admin)
            self.assertEqual(status, 200, body)
            self.assertLessEqual(len(body["calls"]), 2)
            seen.extend(c["sid"] for c in body["calls"])
            for _ in range(2):  # new calls between the pages
                arrived += 1
                voice(arrived)
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, before)
        after = [c["sid"] for c in d.api("GET", "/v1/calls?limit=500", admin)[1]["calls"]]
        self.assertEqual(after, [call_sid(n) for n in range(arrived, 100, -1)] + before)


def sst_bytes(data_dir):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(data_dir, "journal", "*.sst")))


class RetentionTest(unittest.TestCase):
    """history.retention_days: with the clock moved past it, old calls are gone from the log and
    the single-call route, and a compaction takes them off the disk."""

    def test_old_calls_leave_the_log_and_the_disk(self):
        d = Daemon(extra_config={"history": {"retention_days": 2}})
        self.addCleanup(d.close)
        d.start()
        admin = d.demo_admin_key
        sids = [call_sid(50_000 + i) for i in range(150)]
        for sid in sids:
            d.signed_form("/twilio/voice", voice_params(sid))
            d.signed_form("/twilio/status", status_params(sid, "busy", 1))
        self.assertEqual(len(d.api("GET", "/v1/calls?limit=500", admin)[1]["calls"]), 150)
        d.restart()  # a clean stop flushes memtables: the calls are in SST files now
        data_dir = os.path.join(d.dir, "data")
        before = sst_bytes(data_dir)
        # Three days later: past the two days kept.
        d.env["CALLROUTER_CLOCK_OFFSET_S"] = str(3 * 86_400)
        d.restart()
        self.assertEqual(d.api("GET", "/v1/calls", admin)[1], {"calls": [], "next_cursor": None})
        self.assertEqual(d.api("GET", "/v1/calls/" + sids[0], admin)[0], 404)
        self.assertEqual(d.api("POST", "/v1/system/compact", d.system_key)[0], 200)
        after = sst_bytes(data_dir)
        self.assertLess(after, before * 0.8, (before, after))
        # A new call is listed as usual.
        d.signed_form("/twilio/voice", voice_params(call_sid(60_000)))
        self.assertEqual([c["sid"] for c in d.api("GET", "/v1/calls", admin)[1]["calls"]], [call_sid(60_000)])
        d.stop()
        self.assertIsNone(d.show_call("demo", sids[0]))  # the record itself is gone


def stored_answers(data_dir):
    """The idempotency column family's keys, read by RocksDB's own ldb (Debian rocksdb-tools);
    each value must be a version 2 answer (it carries the time it was stored)."""
    out = subprocess.run(["ldb", "--db=" + os.path.join(data_dir, "journal"), "--column_family=idempotency",
                          "scan", "--hex"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("ldb failed: " + out.stderr[-2000:])
    keys = []
    for line in out.stdout.splitlines():
        key, value = line.split(" : ")
        assert value.startswith("0x02"), line[:200]
        keys.append(bytes.fromhex(key[2:]).decode())
    return keys


@unittest.skipUnless(shutil.which("ldb"), "ldb (Debian package rocksdb-tools) is not installed")
class AnswerExpiryTest(unittest.TestCase):
    """Idempotency answers are kept for 48 hours, then compactions drop them — with history kept."""

    def test_old_answers_leave_the_journal_and_retries_within_the_window_still_replay(self):
        d = Daemon()
        self.addCleanup(d.close)
        d.start()
        old = call_sid(70_000)
        first = d.signed_form("/twilio/voice", voice_params(old))
        self.assertEqual(first[0], 200)
        retry = d.signed_form("/twilio/voice", voice_params(old))
        self.assertEqual(retry[2], first[2])  # within the window: the same document
        d.stop()
        data_dir = os.path.join(d.dir, "data")
        self.assertEqual([k.split("\0") for k in stored_answers(data_dir)], [["demo", "voice", old]])

        # One day later the answer is still there after a full compaction.
        d.env["CALLROUTER_CLOCK_OFFSET_S"] = str(86_400)
        d.start()
        self.assertEqual(d.api("POST", "/v1/system/compact", d.system_key)[0], 200)
        d.stop()
        self.assertEqual(len(stored_answers(data_dir)), 1)

        # Three days later it is gone; a new call's answer is kept, and the old call is still listed.
        d.env["CALLROUTER_CLOCK_OFFSET_S"] = str(3 * 86_400)
        d.start()
        fresh = call_sid(70_001)
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(fresh))[0], 200)
        self.assertEqual(d.api("POST", "/v1/system/compact", d.system_key)[0], 200)
        listed = [c["sid"] for c in d.api("GET", "/v1/calls", d.demo_admin_key)[1]["calls"]]
        self.assertIn(old, listed)
        d.stop()
        self.assertEqual([k.split("\0") for k in stored_answers(data_dir)], [["demo", "voice", fresh]])


if __name__ == "__main__":
    unittest.main()
