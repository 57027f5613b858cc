"""Issue 16: analytics. Calls of every outcome through signed webhooks into the real daemon, with
a kill -9 in the middle of the run; every figure of GET /v1/analytics (by hour, by day and by
user, group, number and flow) equals a recomputation from GET /v1/calls; the live board's queues
survive the restart. Then hours and days across a DST change (America/New_York) and in Tokyo, with
the daemon's clock moved (CALLROUTER_CLOCK_OFFSET_S)."""
import asyncio
import datetime
import json
import os
import random
import signal
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import websockets
import websockets.exceptions

from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, SOURCE_DIR, Daemon, call_sid, voice_params
from harness import status_params as fixed_time_status_params
from provider_standin import ProviderStandIn

VM_NUMBER, QUEUE_NUMBER, OFF_NUMBER = "+815012340002", "+815012340003", "+815012340004"
THRESHOLDS = [10, 15, 20, 30, 45, 60, 90, 120, 180, 300]
COUNTS = ["offered", "answered", "missed", "abandoned", "voicemail", "rejected", "failed", "outbound_placed",
          "outbound_answered", "talk_s", "handled", "wrap_up_s", "queued", "queued_answered", "queued_abandoned",
          "wait_s_sum", "wait_s_max", "answer_wait_s_sum"]


def status_params(sid, status, seq, **extra):
    return fixed_time_status_params(sid, status, seq, Timestamp=time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                                    **extra)


def seed_file(directory, timezone="Asia/Tokyo"):
    with open(os.path.join(SOURCE_DIR, "config", "demo-seed.json")) as f:
        seed = json.load(f)
    demo = seed["orgs"][0]
    demo["timezone"] = timezone
    demo["numbers"] = [{"number": n, "country": "JP", "type": "local", "flow_id": flow}
                       for n, flow in ((DEMO_NUMBER, "line"), (VM_NUMBER, "vm"), (QUEUE_NUMBER, "queued"), (OFF_NUMBER, "off"))]
    demo["users"].append({"id": "u_desk", "name": "Desk", "client": "desk", "presence": "away", "allow_outgoing": False})
    demo["groups"] = [{"id": "sales", "name": "Sales", "members": ["u_sato", "u_kato"], "wrap_up_s": 0},
                      {"id": "desk", "name": "Desk", "members": ["u_desk"], "wrap_up_s": 5}]
    hangup = {"id": "bye", "type": "hangup"}
    demo["flows"] = [
        {"id": "line", "enabled": True, "definition": {"name": "Line", "start": "sales", "states": [
            {"id": "sales", "type": "ring_group", "group": "sales", "ring_timeout_s": 15, "on": {"no_answer": "bye"}}, hangup]}},
        {"id": "vm", "enabled": True, "definition": {"name": "Voicemail", "start": "vm", "states": [
            {"id": "vm", "type": "voicemail", "greeting": {"text": "Leave a message"}, "max_length_s": 60, "next": "bye"},
            hangup]}},
        {"id": "queued", "enabled": True, "definition": {"name": "Queue", "start": "desk", "states": [
            {"id": "desk", "type": "ring_group", "group": "desk", "ring_timeout_s": 15,
             "queue": {"max_callers": 1000, "max_wait_s": 3600},
             "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}}, hangup]}},
        {"id": "off", "enabled": False, "definition": {"name": "Off", "start": "bye", "states": [hangup]}},
    ]
    path = os.path.join(directory, "analytics-seed.json")
    with open(path, "w") as f:
        json.dump(seed, f)
    return path


class Caller:
    """Places calls of every outcome, one after another, until told to stop or the daemon dies."""

    def __init__(self, d, admin, sato, first, count, rng):
        self.d, self.admin, self.sato, self.rng = d, admin, sato, rng
        self.next, self.last = first, first + count
        self.error = None

    def signed(self, path, params):
        status, _, body = self.d.signed_form(path, params)
        if status != 200:
            raise RuntimeError("%s answered %s %r" % (path, status, body[:200]))
        return body

    def one(self, n):
        sid = call_sid(n)
        caller = "+8190%08d" % n
        kind = n % 8
        if kind in (0, 1):  # answered by an agent of sales
            self.signed("/twilio/voice", voice_params(sid, frm=caller))
            user, client = ("u_sato", "sato") if n % 2 else ("u_kato", "kato")
            leg = dict(voice_params("CA" + sid[-31:] + "f", frm=caller), CallStatus="in-progress", ParentCallSid=sid,
                       To="client:" + client)
            self.signed("/twilio/status?agent=" + user, leg)
            self.signed("/twilio/status", status_params(sid, "completed", 5, frm=caller, CallDuration="2"))
        elif kind == 2:  # rang out
            self.signed("/twilio/voice", voice_params(sid, frm=caller))
            self.signed("/twilio/status", status_params(sid, "no-answer", 2, frm=caller))
        elif kind == 3:  # voicemail
            root = ET.fromstring(self.signed("/twilio/voice", voice_params(sid, to=VM_NUMBER, frm=caller)))
            action = urllib.parse.urlsplit([c for c in root if c.tag == "Record"][0].get("action"))
            self.signed(action.path + "?" + action.query, dict(voice_params(sid, to=VM_NUMBER, frm=caller),
                                                               CallStatus="in-progress", RecordingUrl="https://x/r",
                                                               RecordingDuration="12"))
            self.signed("/twilio/status", status_params(sid, "completed", 4, to=VM_NUMBER, frm=caller, CallDuration="20"))
        elif kind == 4:  # queued (nobody at the desk) and hung up there
            self.signed("/twilio/voice", voice_params(sid, to=QUEUE_NUMBER, frm=caller))
            self.signed("/twilio/status", status_params(sid, "completed", 3, to=QUEUE_NUMBER, frm=caller, CallDuration="2"))
        elif kind == 5:  # a number whose flow is off: rejected
            self.signed("/twilio/voice", voice_params(sid, to=OFF_NUMBER, frm=caller))
            self.signed("/twilio/status", status_params(sid, "busy", 1, to=OFF_NUMBER, frm=caller))
        elif kind == 6:  # Sato's click-to-call, unanswered
            status, placed = self.d.api("POST", "/v1/calls", self.sato, {"to": "+14155550%03d" % (n % 1000)})
            if status != 201:
                raise RuntimeError("click-to-call answered %s %r" % (status, placed))
            self.signed("/twilio/status", status_params(placed["sid"], "no-answer", 2, to="client:sato", frm=DEMO_NUMBER,
                                                        Direction="outbound-api"))
        else:  # a call that fails at the provider
            self.signed("/twilio/voice", voice_params(sid, frm=caller))
            self.signed("/twilio/status", status_params(sid, "failed", 2, frm=caller))

    def run(self):
        try:
            while self.next < self.last:
                n = self.next
                self.next += 1
                self.one(n)
        except Exception as e:  # the daemon was killed under us
            self.error = e


def recompute(calls, tz, wrap_up):
    """The analytics figures from the call log: by the local hour of each call's start, and by
    user, group, number and flow."""
    zone = ZoneInfo(tz)
    rows = {}

    def add(key, c):
        r = rows.setdefault(key, dict({k: 0 for k in COUNTS}, answered_within={str(t): 0 for t in THRESHOLDS}))
        inbound = c["direction"] == "inbound"
        outcome = c["outcome"]
        if inbound:
            r["offered"] += 1
            r["answered"] += outcome == "answered"
            r["missed"] += outcome in ("missed", "abandoned")
            for o in ("abandoned", "voicemail", "rejected", "failed"):
                r[o] += outcome == o
            if c["queued"]:
                wait = c["queue_wait_s"]
                r["queued"] += 1
                r["queued_abandoned"] += outcome == "abandoned"
                r["wait_s_sum"] += wait
                r["wait_s_max"] = max(r["wait_s_max"], wait)
                if outcome == "answered":
                    r["queued_answered"] += 1
                    r["answer_wait_s_sum"] += wait
                    for t in THRESHOLDS:
                        r["answered_within"][str(t)] += wait <= t
        else:
            r["outbound_placed"] += 1
            r["outbound_answered"] += outcome == "answered"
        if c["talk_s"] is not None:
            r["talk_s"] += c["talk_s"]
            r["handled"] += 1
            if c["user_id"] and c["group_id"]:
                r["wrap_up_s"] += wrap_up.get(c["group_id"], 0)

    for c in calls:
        if c["outcome"] is None:
            continue
        start = datetime.datetime.fromisoformat(c["started_at"].replace("Z", "+00:00")).astimezone(zone)
        add(("hour", start.strftime("%Y-%m-%dT%H:00:00") + start.strftime("%z")[:3] + ":" + start.strftime("%z")[3:]), c)
        add(("day", start.strftime("%Y-%m-%d")), c)
        for dim, field in (("user", "user_id"), ("group", "group_id"), ("number", "our_number"), ("flow", "flow_id")):
            if c[field]:
                add((dim, c[field]), c)
    return rows


def date_range(calls, zone="Asia/Tokyo"):
    """The first and last start dates in the org's zone: a date in since/until is a day there, so a
    UTC date misses the calls made between 15:00 and 24:00 UTC (the next day in Tokyo)."""
    dates = [datetime.datetime.fromisoformat(c["started_at"].replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).date()
             for c in calls]
    return min(dates).isoformat(), max(dates).isoformat()


def start_daemon(test):
    """The daemon with the analytics seed, a provider stand-in, credit, and Sato's agent key."""
    provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
    test.addCleanup(provider.close)
    d = Daemon(extra_config={"provider": {"api_base_url": provider.url},
                             "seed": {"file": seed_file(tempfile_dir(test)), "admin_key_file": "demo-admin-key"}})
    test.addCleanup(d.close)
    d.start()
    admin = d.demo_admin_key
    test.assertEqual(d.api("POST", "/v1/wallet/topups", admin, {"amount_micro": 50_000_000})[0], 201)
    status, body = d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_sato"})
    test.assertEqual(status, 201, body)
    return d, admin, body["key"]


class AnalyticsExactnessTest(unittest.TestCase):
    def test_figures_equal_the_call_log_across_a_kill_9(self):
        d, admin, sato = start_daemon(self)
        rng = random.Random(16)

        # First run: killed with SIGKILL part way.
        caller = Caller(d, admin, sato, 1, 400, rng)
        worker = threading.Thread(target=caller.run)
        worker.start()
        time.sleep(rng.uniform(1.0, 2.0))
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log.close()
        d.proc = None
        worker.join()
        self.assertIsNotNone(caller.error, "the run ended before the kill: make it longer")
        killed_at = caller.next
        d.start()
        # Second run: the rest, plus two callers left waiting in the desk's queue.
        Caller(d, admin, sato, killed_at + 1, 160, rng).run()
        for n in (9001, 9002):
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(n), to=QUEUE_NUMBER))[0], 200)

        calls = self.compare(d, admin)
        ended = [c for c in calls if c["outcome"] is not None]
        self.assertGreater(len(ended), 200)
        outcomes = {c["outcome"] for c in ended}
        self.assertEqual(outcomes, {"answered", "missed", "abandoned", "voicemail", "rejected", "failed", "unanswered"})
        since, until = date_range(calls)
        # Ratios follow from the counts.
        day = d.api("GET", "/v1/analytics?by=day&since=%s&until=%s" % (since, until), admin)[1]["rows"]
        for row in day:
            if row["queued"]:
                self.assertAlmostEqual(row["service_level"], row["answered_within"]["20"] / row["queued"], places=4)
                self.assertAlmostEqual(row["abandon_rate"], row["queued_abandoned"] / row["queued"], places=4)
            if row["offered"]:
                self.assertAlmostEqual(row["missed_rate"], row["missed"] / row["offered"], places=4)

        # The live board: whoever the log shows still queued is waiting, across the restart too.
        waiting = [c for c in calls if c["outcome"] is None and c["queued"]]
        self.assertGreaterEqual(len(waiting), 2)
        for attempt in range(2):
            status, live = d.api("GET", "/v1/analytics/live", admin)
            self.assertEqual(status, 200, live)
            queues = {q["queue"]: q for q in live["queues"]}
            self.assertEqual(sum(q["waiting"] for q in queues.values()), len(waiting), live)
            self.assertEqual(queues["desk"]["oldest_since"], min(c["started_at"] for c in waiting))
            self.assertEqual(live["agents"]["away"]["users"], ["u_desk"])
            # Every user once, in the state the engine gives them (GET /v1/users shows the same).
            users = d.api("GET", "/v1/users", admin)[1]["users"]
            board = {u: state for state, v in live["agents"].items() for u in v["users"]}
            self.assertEqual(board, {u["id"]: u["presence"] for u in users})
            self.assertEqual(sorted(live["agents"]), ["available", "away", "offline", "on_call", "ringing", "wrap_up"])
            today = live["today"]
            self.assertIn("service_level", today)
            self.assertIn("abandon_rate", today)
            d.stop(signal.SIGKILL)
            d.start()
        # A caller who queued before those restarts hangs up now: their wait, read back from the
        # journal, is counted once, and every figure still equals the log.
        self.assertEqual(d.signed_form("/twilio/status", status_params(call_sid(9001), "completed", 3, to=QUEUE_NUMBER,
                                                                       CallDuration="9"))[0], 200)
        calls = self.compare(d, admin)
        self.assertEqual(next(c for c in calls if c["sid"] == call_sid(9001))["outcome"], "abandoned")
        live = d.api("GET", "/v1/analytics/live", admin)[1]
        self.assertEqual(sum(q["waiting"] for q in live["queues"]), len(waiting) - 1)
        # kill -9 again with nothing running: not one figure moves.
        before_kill = d.api("GET", "/v1/analytics?by=user&since=%s&until=%s" % (since, until), admin)[1]
        d.stop(signal.SIGKILL)
        d.start()
        status, again = d.api("GET", "/v1/analytics?by=user&since=%s&until=%s" % (since, until), admin)
        self.assertEqual(status, 200)
        self.assertEqual(again, before_kill)

        status, err = d.api("GET", "/v1/analytics?by=week", admin)
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_request"))
        self.assertIn("'by'", err["error"]["message"])
        self.assertEqual(d.api("GET", "/v1/analytics", sato)[0], 403)

    def compare(self, d, admin):
        """Every figure of every row of every grouping equals the recomputation; returns the log."""
        calls = self.all_calls(d, admin)
        groups = {g["id"]: g["wrap_up_s"] for g in d.api("GET", "/v1/groups", admin)[1]["groups"]}
        expected = recompute(calls, "Asia/Tokyo", groups)
        since, until = date_range(calls)
        sl = ",".join(str(t) for t in THRESHOLDS)
        for by in ("hour", "day", "user", "group", "number", "flow"):
            status, body = d.api("GET", "/v1/analytics?by=%s&since=%s&until=%s&sl=%s" % (by, since, until, sl), admin)
            self.assertEqual(status, 200, body)
            got = {}
            for row in body["rows"]:
                figures = {k: row[k] for k in COUNTS}
                figures["answered_within"] = row["answered_within"]
                if by in ("hour", "day") and not any(figures[k] for k in COUNTS):
                    continue  # an empty hour: listed, all zero
                got[(by, row["key"][by])] = figures
            want = {k: v for k, v in expected.items() if k[0] == by}
            self.assertTrue(want, by)
            self.assertEqual(got, want, by)
        return calls

    def all_calls(self, d, key):
        calls, cursor = [], None
        while True:
            status, body = d.api("GET", "/v1/calls?limit=500" + ("&cursor=" + cursor if cursor else ""), key)
            self.assertEqual(status, 200, body)
            calls.extend(body["calls"])
            cursor = body["next_cursor"]
            if cursor is None:
                return calls


def tempfile_dir(test):
    import shutil
    import tempfile
    path = tempfile.mkdtemp(prefix="callrouter-analytics-")
    test.addCleanup(shutil.rmtree, path, True)
    return path


class AnalyticsTimeZoneTest(unittest.TestCase):
    """Missed calls placed at moments chosen by moving the daemon's clock: around New York's fall
    back (2026-11-01 06:00 UTC, 02:00 EDT → 01:00 EST) and around Tokyo's midnight."""

    def place_at(self, d, instant, n):
        now = datetime.datetime.now(datetime.timezone.utc)
        d.env["CALLROUTER_CLOCK_OFFSET_S"] = str(int((instant - now).total_seconds()))
        d.start()
        sid = call_sid(n)
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        self.assertEqual(d.signed_form("/twilio/status", fixed_time_status_params(sid, "no-answer", 2))[0], 200)
        d.stop()

    def test_new_york_across_dst_and_tokyo_days(self):
        d = Daemon(extra_config={"seed": {"file": seed_file(tempfile_dir(self), "America/New_York"),
                                          "admin_key_file": "demo-admin-key"}})
        self.addCleanup(d.close)
        utc = datetime.timezone.utc
        moments = [datetime.datetime(2026, 11, 1, 5, 20, tzinfo=utc),   # 01:20 EDT
                   datetime.datetime(2026, 11, 1, 5, 50, tzinfo=utc),   # 01:50 EDT
                   datetime.datetime(2026, 11, 1, 6, 10, tzinfo=utc),   # 01:10 EST: the same hour again
                   datetime.datetime(2026, 11, 2, 4, 30, tzinfo=utc),   # 23:30 EST: still Nov 1
                   datetime.datetime(2026, 11, 2, 14, 50, tzinfo=utc),  # Tokyo 23:50 Nov 2
                   datetime.datetime(2026, 11, 2, 15, 10, tzinfo=utc)]  # Tokyo 00:10 Nov 3
        for n, moment in enumerate(moments, start=1):
            self.place_at(d, moment, n)
        d.start()
        admin = d.demo_admin_key

        def rows(query):
            status, body = d.api("GET", "/v1/analytics?" + query, admin)
            self.assertEqual(status, 200, body)
            return body

        hours = rows("by=hour&since=2026-11-01T04:00:00Z&until=2026-11-01T08:00:00Z")
        self.assertEqual(hours["tz"], "America/New_York")  # the org's zone
        self.assertEqual([(r["key"]["hour"], r["offered"]) for r in hours["rows"]],
                         [("2026-11-01T00:00:00-04:00", 0), ("2026-11-01T01:00:00-04:00", 2),
                          ("2026-11-01T01:00:00-05:00", 1), ("2026-11-01T02:00:00-05:00", 0)])
        days = rows("by=day&since=2026-11-01&until=2026-11-02")
        self.assertEqual([(r["key"]["day"], r["offered"], r["key"]["start"], r["key"]["end"]) for r in days["rows"]],
                         [("2026-11-01", 4, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"),  # 25 hours
                          ("2026-11-02", 2, "2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z")])
        tokyo = rows("by=day&since=2026-11-02&until=2026-11-03&tz=Asia/Tokyo")
        self.assertEqual(tokyo["tz"], "Asia/Tokyo")
        self.assertEqual([(r["key"]["day"], r["offered"], r["missed"]) for r in tokyo["rows"]],
                         [("2026-11-02", 2, 2), ("2026-11-03", 1, 1)])
        kolkata = rows("by=hour&since=2026-11-02T14:30:00Z&until=2026-11-02T15:30:00Z&tz=Asia/Kolkata")
        self.assertEqual([(r["key"]["hour"], r["offered"]) for r in kolkata["rows"]],
                         [("2026-11-02T20:00:00+05:30", 2)])


class LiveBoardTest(unittest.TestCase):
    """WS /v1/live against calls placed through webhooks: every committed event arrives, and the
    board it ends with equals GET /v1/analytics/live; a reconnect's snapshot is the same board."""

    def test_the_stream_follows_the_calls_and_a_reconnect_loses_nothing(self):
        d, admin, sato = start_daemon(self)
        url = "ws://127.0.0.1:%d/v1/live?key=%s" % (d.port, admin)

        def comparable(board):
            board = dict(board)
            board.pop("at", None)
            board["queues"] = [{k: v for k, v in q.items() if k != "oldest_wait_s"} for q in board["queues"]]
            return board

        def place():
            Caller(d, admin, sato, 1, 40, random.Random(1)).run()
            for n in (9001, 9002, 9003):
                assert d.signed_form("/twilio/voice", voice_params(call_sid(n), to=QUEUE_NUMBER))[0] == 200
            assert d.api("PUT", "/v1/users/u_desk/presence", admin, {"presence": "offline"})[0] == 200

        async def run():
            async with websockets.connect(url) as ws:
                first = json.loads(await ws.recv())
                self.assertEqual(first["type"], "snapshot")
                self.assertEqual(first["board"]["queues"], [])
                self.assertEqual(first["calls"], [])
                await asyncio.get_running_loop().run_in_executor(None, place)
                events, board = [], first["board"]
                want = comparable(d.api("GET", "/v1/analytics/live", admin)[1])
                deadline = time.time() + 5
                while time.time() < deadline and (comparable(board) != want or not events):
                    try:
                        m = json.loads(await asyncio.wait_for(ws.recv(), 1))
                    except asyncio.TimeoutError:
                        continue
                    if m["type"] == "event":
                        events.append(m["event"])
                    elif m["type"] == "board":
                        board = m["board"]
                self.assertEqual(comparable(board), want)
                self.assertEqual(len(want["queues"]), 1)
                self.assertEqual(want["queues"][0]["waiting"], 3)
                self.assertEqual(want["agents"]["offline"]["users"], ["u_desk"])  # no event says so: the board check does
                self.assertEqual(want["today"]["offered"] + want["today"]["outbound_placed"], 40)
                # Every committed event, once, in order.
                feed = d.api("GET", "/v1/events?limit=1000", admin)[1]["events"]
                self.assertEqual([e["seq"] for e in events], [e["seq"] for e in feed])
            async with websockets.connect(url) as again:
                snapshot = json.loads(await again.recv())
                self.assertEqual(snapshot["type"], "snapshot")
                self.assertEqual(comparable(snapshot["board"]), want)
                # The calls in progress: the three still queued, as the events show them, and no
                # call that has ended.
                queued = sorted(c["sid"] for c in snapshot["calls"] if c["queued"])
                self.assertEqual(queued, [call_sid(n) for n in (9001, 9002, 9003)])
                self.assertEqual([c["sid"] for c in snapshot["calls"] if c.get("ended_at")], [])
                ended = {e["call_sid"] for e in feed if e["type"] == "call.ended"}
                self.assertEqual([c["sid"] for c in snapshot["calls"] if c["sid"] in ended], [])
                fields = ("sid", "direction", "from", "to", "started_at")
                for c in snapshot["calls"]:  # the same call the events described
                    rang = next(e["data"] for e in feed if e["call_sid"] == c["sid"] and e["type"] == "call.ringing")
                    self.assertEqual([c[k] for k in fields], [rang[k] for k in fields])
            agent_url = "ws://127.0.0.1:%d/v1/live?key=%s" % (d.port, sato)
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                async with websockets.connect(agent_url):
                    pass
            self.assertEqual(refused.exception.status_code, 403)

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
