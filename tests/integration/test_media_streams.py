"""Issue 17: Twilio Media Streams. A flow with analyze_audio starts a stream in its first TwiML;
the simulator streams real audio over a real WebSocket — speech made with espeak-ng, silence
made with sox, 8 kHz μ-law, on both tracks with known talk, silence and overlap — and the call's
record gets talk/silence/talk-over figures within ±5 % (or ±200 ms) of the truth. Forged
signatures, other orgs' calls, garbage and oversized messages are refused; kill -9 during
streams loses no call record."""
import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import websockets
import websockets.exceptions
from twilio.request_validator import RequestValidator

from harness import DEMO_ACCOUNT, DEMO_TOKEN, Daemon, call_sid, voice_params

RATE = 8000          # μ-law bytes per second
FRAME = 160          # 20 ms

OTHER_ACCOUNT = "AC" + "f" * 32
OTHER_TOKEN = "f" * 32


def sox(*args):
    subprocess.run(["sox", *args], check=True, capture_output=True)


def speech(workdir, name, text):
    """espeak-ng's speech of `text`, leading and trailing silence cut, as 8 kHz μ-law bytes."""
    wav = os.path.join(workdir, name + ".wav")
    ul = os.path.join(workdir, name + ".ul")
    subprocess.run(["espeak-ng", "-w", wav, text], check=True, capture_output=True)
    sox(wav, "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", ul,
        "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse")
    with open(ul, "rb") as f:
        return f.read()


def silence(workdir, seconds):
    """sox's silence (dithered, as a real encoder writes it) as μ-law bytes."""
    ul = os.path.join(workdir, "silence.ul")
    sox("-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", ul, "trim", "0", "%.3f" % seconds)
    with open(ul, "rb") as f:
        return bytearray(f.read())


def overlap(a, b):
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


class Scene:
    """Both tracks of one call: clips placed at known times on sox silence, and the truth."""

    def __init__(self, workdir):
        a = speech(workdir, "a", "thank you for calling the support line")
        b = speech(workdir, "b", "hello I would like to change my delivery address")
        c = speech(workdir, "c", "of course let me open your order")
        d = speech(workdir, "d", "the new address is in Osaka")
        dur = lambda clip: len(clip) / RATE
        # agent: a at 0.5 s; caller: b after 1.2 s of silence; agent: c starts 0.8 s before b
        # ends (talk-over); caller: d after 2.0 s of silence; then 1.0 s of silence.
        self.agent_clips, self.caller_clips = [], []
        t = 0.5
        self.agent_clips.append((t, a))
        t += dur(a) + 1.2
        self.caller_clips.append((t, b))
        t += dur(b) - 0.8
        self.agent_clips.append((t, c))
        t += dur(c) + 2.0
        self.caller_clips.append((t, d))
        t += dur(d) + 1.0
        self.length = t
        total = int(t * RATE) // FRAME * FRAME
        self.agent = self.place(silence(workdir, t + 0.1)[:total], self.agent_clips)
        self.caller = self.place(silence(workdir, t + 0.1)[:total], self.caller_clips)
        self.length = total / RATE

        spans = lambda clips: [(at, at + dur(clip)) for at, clip in clips]
        caller, agent = spans(self.caller_clips), spans(self.agent_clips)
        talk_over = sum(overlap(x, y) for x in caller for y in agent)
        talk = sorted(caller + agent)
        gaps, end = [], 0.0
        for s, e in talk:
            if s > end:
                gaps.append(s - end)
            end = max(end, e)
        gaps.append(self.length - end)
        self.truth = {
            "caller": sum(e - s for s, e in caller),
            "agent": sum(e - s for s, e in agent),
            "talk_over": talk_over,
            "silence": sum(gaps),
            "longest_silence": max(gaps),
        }

    @staticmethod
    def place(canvas, clips):
        for at, clip in clips:
            start = int(at * RATE)
            canvas[start:start + len(clip)] = clip
        return bytes(canvas)


def media_messages(stream_sid, scene):
    n = len(scene.caller) // FRAME
    for i in range(n):
        for track, audio in (("inbound", scene.caller), ("outbound", scene.agent)):
            yield json.dumps({"event": "media", "sequenceNumber": str(3 + 2 * i), "streamSid": stream_sid,
                              "media": {"track": track, "chunk": str(i + 1), "timestamp": str(i * 20),
                                        "payload": base64.b64encode(audio[i * FRAME:(i + 1) * FRAME]).decode()}})


def start_message(stream_sid, sid, org="demo", account=DEMO_ACCOUNT):
    return json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": stream_sid, "start": {
        "accountSid": account, "callSid": sid, "streamSid": stream_sid, "tracks": ["inbound", "outbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"org": org, "call": sid}}})


def stop_message(stream_sid, sid):
    return json.dumps({"event": "stop", "sequenceNumber": "99999", "streamSid": stream_sid,
                       "stop": {"accountSid": DEMO_ACCOUNT, "callSid": sid}})


CONNECTED = json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


class MediaStreamsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="callrouter-audio-")
        cls.addClassCleanup(shutil.rmtree, cls.workdir, ignore_errors=True)
        cls.scene = Scene(cls.workdir)
        cls.d = Daemon()
        cls.addClassCleanup(cls.d.close)  # also when the set-up below fails
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        status, _ = cls.d.api("PUT", "/v1/flows/heard/draft", cls.admin, {
            "analyze_audio": True, "start": "hi", "states": [
                {"id": "hi", "type": "say", "say": {"text": "hello"}, "next": "bye"},
                {"id": "bye", "type": "hangup"}]})
        assert status in (200, 201), status
        assert cls.d.api("POST", "/v1/flows/heard/publish", cls.admin)[0] == 200
        assert cls.d.api("PUT", "/v1/numbers/%2B815012345678/flow", cls.admin, {"flow_id": "heard"})[0] == 200
        status, _ = cls.d.api("POST", "/v1/orgs", cls.d.system_key, {
            "id": "other", "name": "Other", "account_sid": OTHER_ACCOUNT, "auth_token": OTHER_TOKEN,
            "timezone": "Asia/Tokyo"})
        assert status in (200, 201), status
        cls.next_call = 1700

    @property
    def url(self):
        return "ws://127.0.0.1:%d/twilio/media" % self.d.port

    def signature(self, token=DEMO_TOKEN):
        return RequestValidator(token).compute_signature(self.url, {})

    def new_call(self):
        """An incoming call on the analysed flow; returns its sid and TwiML."""
        type(self).next_call += 1
        sid = call_sid(self.next_call)
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid))
        self.assertEqual(status, 200, body)
        return sid, body.decode()

    def connect(self, token=DEMO_TOKEN, signature=None):
        sig = signature if signature is not None else self.signature(token)
        return websockets.connect(self.url, extra_headers={"X-Twilio-Signature": sig} if sig else {},
                                  max_size=None)

    def audio_of(self, sid, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, call = self.d.api("GET", "/v1/calls/" + sid, self.admin)
            self.assertEqual(status, 200)
            if "audio" in call:
                return call["audio"]
            time.sleep(0.05)
        return None

    async def closed(self, ws, timeout=5):
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout)
        except websockets.exceptions.ConnectionClosed:
            return True

    def test_twiml_starts_a_both_tracks_stream_before_the_flow(self):
        sid, twiml = self.new_call()
        root = ET.fromstring(twiml)
        self.assertEqual(root[0].tag, "Start")
        stream = root[0][0]
        self.assertEqual(stream.tag, "Stream")
        self.assertEqual(stream.get("url"), self.url)
        self.assertEqual(stream.get("track"), "both_tracks")
        params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        self.assertEqual(params, {"org": "demo", "call": sid})
        self.assertEqual(root[1].tag, "Say")

    def test_real_speech_figures_match_the_truth(self):
        sid, _ = self.new_call()

        async def scenario():
            async with self.connect() as ws:
                await ws.send(CONNECTED)
                await ws.send(start_message("MZ1", sid))
                for m in media_messages("MZ1", self.scene):
                    await ws.send(m)
                await ws.send(stop_message("MZ1", sid))
                self.assertTrue(await self.closed(ws))
        asyncio.run(scenario())
        audio = self.audio_of(sid)
        self.assertIsNotNone(audio, self.d.logs()[-2000:])
        truth = self.scene.truth
        got = {"caller": audio["talk_s"]["caller"], "agent": audio["talk_s"]["agent"],
               "talk_over": audio["talk_over_s"], "silence": audio["silence_s"],
               "longest_silence": audio["longest_silence_s"]}
        report = {k: (round(truth[k], 3), got[k]) for k in truth}
        print("media figures (truth, measured):", json.dumps(report))
        for k in truth:
            allowed = max(0.05 * truth[k], 0.2)
            self.assertLessEqual(abs(got[k] - truth[k]), allowed, "%s: %s" % (k, report))
        self.assertAlmostEqual(audio["analysed_s"], self.scene.length, delta=0.05)
        # The figures are a committed call event too (change feed, history).
        # GET /v1/calls/{sid} may show the record while its write is on its way; the change feed
        # only once it is durable: read the feed until the event is there.
        mine, after, deadline = [], 0, time.time() + 5
        while not mine and time.time() < deadline:
            status, feed = self.d.api("GET", "/v1/events?limit=100&after=%d" % after, self.admin)
            self.assertEqual(status, 200)
            if not feed["events"]:
                time.sleep(0.05)
                continue
            after = feed["events"][-1]["seq"]
            mine += [e for e in feed["events"] if e["call_sid"] == sid and e["type"] == "call.audio"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["data"]["audio"], audio)
        status, page = self.d.api("GET", "/v1/calls?limit=50", self.admin)
        listed = [c for c in page["calls"] if c["sid"] == sid]
        self.assertEqual(listed[0].get("audio"), audio)

    def refused_upgrade(self, signature):
        async def scenario():
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
                async with self.connect(signature=signature):
                    pass
            return caught.exception.status_code
        return asyncio.run(scenario())

    def test_forged_or_missing_signature_is_refused(self):
        self.assertEqual(self.refused_upgrade(RequestValidator("0" * 32).compute_signature(self.url, {})), 403)
        self.assertEqual(self.refused_upgrade(""), 403)
        # Signed over another URL (the https one, a query) is not the stream's signature.
        self.assertEqual(self.refused_upgrade(RequestValidator(DEMO_TOKEN).compute_signature(self.url + "?x=1", {})), 403)

    def stream_is_refused(self, token, start):
        async def scenario():
            async with self.connect(token) as ws:
                await ws.send(CONNECTED)
                await ws.send(start)
                self.assertTrue(await self.closed(ws))
        asyncio.run(scenario())

    def test_another_orgs_call_is_refused(self):
        sid, _ = self.new_call()
        # The other org signs and claims the demo org's call: demo did not sign it.
        self.stream_is_refused(OTHER_TOKEN, start_message("MZ2", sid))
        # The other org signs and names itself: the call is not one of its calls.
        self.stream_is_refused(OTHER_TOKEN, start_message("MZ3", sid, org="other", account=OTHER_ACCOUNT))
        # Demo signs but the call is unknown.
        self.stream_is_refused(DEMO_TOKEN, start_message("MZ4", call_sid(999999)))
        time.sleep(0.2)
        self.assertIsNone(self.audio_of(sid, timeout=0.3))
        self.assertIn("refused", self.d.logs())

    def test_garbage_and_oversized_messages_close_the_stream_and_the_daemon_serves_on(self):
        sid, _ = self.new_call()

        async def send_then_closed(*messages):
            async with self.connect() as ws:
                for m in messages:
                    await ws.send(m)
                self.assertTrue(await self.closed(ws))
        asyncio.run(send_then_closed("this is not json"))
        asyncio.run(send_then_closed(start_message("MZ5", sid), json.dumps(
            {"event": "media", "streamSid": "MZ5", "media": {"track": "inbound", "timestamp": "0",
                                                             "payload": "%%%not base64%%%"}})))
        asyncio.run(send_then_closed(json.dumps({"event": "mark", "pad": "x" * 20000})))   # over 16 KiB
        asyncio.run(send_then_closed("x" * 100000))                                        # over the frame limit
        # Unknown events and binary frames are ignored; the stream goes on to a normal stop.
        sid2, _ = self.new_call()

        async def tolerant():
            async with self.connect() as ws:
                await ws.send(start_message("MZ6", sid2))
                await ws.send(json.dumps({"event": "something-new", "streamSid": "MZ6"}))
                await ws.send(json.dumps({"event": "dtmf", "streamSid": "MZ6", "dtmf": {"digit": "5"}}))
                await ws.send(b"\x00\x01binary")
                await ws.send(stop_message("MZ6", sid2))
                self.assertTrue(await self.closed(ws))
        asyncio.run(tolerant())
        self.assertIsNotNone(self.audio_of(sid2))
        logs = self.d.logs()
        self.assertIn("malformed JSON", logs)
        self.assertIn("not base64", logs)
        self.assertEqual(self.d.request("GET", "/healthz")[0], 200)
        _, _, metrics = self.d.request("GET", "/metrics")
        self.assertIn("callrouter_media_streams_refused_total", metrics.decode())

    def test_kill_9_during_streams_loses_no_call_record(self):
        sids = [self.new_call()[0] for _ in range(3)]

        async def streaming(sid, n):
            try:
                async with self.connect() as ws:
                    await ws.send(start_message("MZK%d" % n, sid))
                    for m in media_messages("MZK%d" % n, self.scene):
                        await ws.send(m)
                        await asyncio.sleep(0)
            except (websockets.exceptions.ConnectionClosed, OSError):
                pass

        async def scenario():
            tasks = [asyncio.create_task(streaming(s, i)) for i, s in enumerate(sids)]
            await asyncio.sleep(0.3)
            self.d.proc.send_signal(signal.SIGKILL)
            await asyncio.gather(*tasks)
        asyncio.run(scenario())
        self.d.proc.wait()
        self.d.log.close()
        self.d.proc = None
        self.d.start()
        for sid in sids:
            status, call = self.d.api("GET", "/v1/calls/" + sid, self.admin)
            self.assertEqual(status, 200, sid)
            self.assertEqual(call["sid"], sid)


if __name__ == "__main__":
    unittest.main(verbosity=2)
