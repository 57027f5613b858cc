"""Issue 18: the admin console in headless Chromium against the real daemon. This script builds the
console (ui/build.mjs) into a temp folder, starts callrouterd serving it with the provider stand-in
behind it, places calls through signed webhooks (one from a hostile caller ID), then runs
ui/test/console.test.mjs (puppeteer-core + Debian chromium) which drives every screen.
Screenshots go to $CONSOLE_SCREENSHOT_DIR when set (docs/console/ refreshes the docs), else to the
temp folder. Without node, npm packages or chromium it fails saying what to install, never skips."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

from twilio.request_validator import RequestValidator

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import DEMO_ACCOUNT, DEMO_TOKEN, SOURCE_DIR, Daemon, call_sid, status_params, voice_params  # noqa: E402
from provider_standin import ProviderStandIn  # noqa: E402

UI = os.path.join(SOURCE_DIR, "ui")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HOSTILE = "<img src=x onerror=window.__xss=1>"
CALLS = 30  # more than one page of 25


def now_stamp():
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())


class ConsoleBrowserTest(unittest.TestCase):
    def setUp(self):
        node = shutil.which("node")
        missing = [what for what, ok in (
            ("node (scripts/bootstrap installs nodejs)", node),
            ("ui/node_modules (run scripts/bootstrap: npm ci in ui/)", os.path.isdir(os.path.join(UI, "node_modules", "puppeteer-core"))),
            ("chromium (scripts/bootstrap installs Debian's chromium)", os.access(CHROMIUM, os.X_OK)),
        ) if not ok]
        if missing:
            self.fail("cannot run the browser test, missing: " + "; ".join(missing))
        self.node = node
        self.work = tempfile.mkdtemp(prefix="callrouter-console-")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)
        dist = os.path.join(self.work, "dist")
        subprocess.run([node, os.path.join(UI, "build.mjs"), dist], check=True, timeout=60)

        self.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        self.addCleanup(self.provider.close)
        self.provider.offer("JP", "Local", "+81355550101", region="Tokyo")
        self.provider.offer("JP", "Local", "+81355550102", region="Tokyo")
        self.d = Daemon(extra_config={"provider": {"api_base_url": self.provider.url}, "ui": {"dir": dist},
                                      "workflows": {"allow_private_networks": True}})
        self.addCleanup(self.d.close)
        self.d.start()
        self.admin = self.d.demo_admin_key

    def ok(self, answer, status=200):
        self.assertEqual(answer[0], status, answer[1])
        return answer[1]

    def place_calls(self):
        d = self.d
        self.ok(d.api("POST", "/v1/wallet/topups", self.admin, {"amount_micro": 20_000_000}), 201)
        for n in range(CALLS):
            sid = call_sid(9_000 + n)
            frm = HOSTILE if n == CALLS - 1 else "+8190%08d" % n
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(sid, frm=frm))[0], 200)
            final = "busy" if n % 3 == 0 else "completed"
            self.assertEqual(d.signed_form("/twilio/status", status_params(
                sid, final, 5, frm=frm, Timestamp=now_stamp(), CallDuration="12"))[0], 200)

    def test_console(self):
        d = self.d
        self.ok(d.api("PATCH", "/v1/users/u_kato", self.admin, {"name": HOSTILE}))
        # A rule whose receiver is down (port 9): its deliveries are listed, failing, on the Workflows screen.
        self.ok(d.api("POST", "/v1/workflows", self.admin, {
            "id": "missed_to_task", "name": "Missed call → task", "trigger": "missed_call",
            "action": {"type": "webhook", "url": "http://127.0.0.1:9/hooks/calls"}}), 201)
        self.place_calls()

        # The static edge on the real socket: the page, its policy, and no way out of the folder.
        status, headers, body = d.request("GET", "/ui/")
        self.assertEqual(status, 200)
        self.assertIn("script-src 'self'", headers["content-security-policy"])
        self.assertEqual(headers["cache-control"], "no-cache")
        for path in ("/ui/../config/callrouter.json", "/ui/%2e%2e/callrouter.json", "/ui/..%2f..%2fetc%2fpasswd"):
            self.assertEqual(d.request("GET", path)[0], 404, path)
        self.assertEqual(d.request("POST", "/ui/")[0], 405)

        # A call the browser test sends while the live board watches, signed here by twilio's library.
        live_sid = call_sid(9_999)
        live_params = voice_params(live_sid, frm="+819099990000")
        live_signature = RequestValidator(DEMO_TOKEN).compute_signature(d.base + "/twilio/voice", live_params)
        end_params = status_params(live_sid, "no-answer", 2, frm="+819099990000", Timestamp=now_stamp())
        end_signature = RequestValidator(DEMO_TOKEN).compute_signature(d.base + "/twilio/status", end_params)

        agent_key = self.ok(d.api("POST", "/v1/keys", self.admin, {"role": "agent", "user_id": "u_sato"}), 201)["key"]

        shots = os.environ.get("CONSOLE_SCREENSHOT_DIR") or os.path.join(self.work, "shots")
        env = dict(os.environ, CONSOLE_URL=d.base + "/ui/", ADMIN_KEY=self.admin, CHROMIUM=CHROMIUM,
                   SCREENSHOT_DIR=shots, DOWNLOAD_DIR=os.path.join(self.work, "downloads"),
                   HOSTILE=HOSTILE, CALLS=str(CALLS), LIVE_CALL_URL=d.base + "/twilio/voice", LIVE_CALL_SID=live_sid,
                   LIVE_CALL_BODY=urllib.parse.urlencode(live_params), LIVE_CALL_SIGNATURE=live_signature,
                   LIVE_END_URL=d.base + "/twilio/status", LIVE_END_BODY=urllib.parse.urlencode(end_params),
                   LIVE_END_SIGNATURE=end_signature, AGENT_KEY=agent_key)
        run = subprocess.run([self.node, os.path.join(UI, "test", "console.test.mjs")], env=env,
                             cwd=UI, timeout=240, capture_output=True, text=True)
        sys.stderr.write(run.stdout + run.stderr)
        self.assertEqual(run.returncode, 0, "the browser test failed (see above)")

        # The agent's click-to-call reached the provider: one call created, ringing the agent's
        # softphone first (the customer is dialled once the agent answers).
        created = self.provider.received("POST", r"Calls\.json")
        self.assertEqual([r.form.get("To") for r in created], ["client:sato"], [r.form for r in created])

        # What the designer published is what the engine now runs.
        flow = self.ok(d.api("GET", "/v1/flows/reception", self.admin))
        self.assertEqual(flow["published"]["version"], 1)
        states = {s["id"]: s for s in flow["published"]["definition"]["states"]}
        self.assertEqual(flow["published"]["definition"]["start"], "say")
        self.assertEqual(states["say"]["next"], "menu")
        self.assertEqual(states["menu"]["options"], {"1": "ring_group", "2": "voicemail"})
        self.assertEqual(states["ring_group"]["group"], "sales")
        self.assertEqual(states["ring_group"]["on"]["no_answer"], "voicemail")
        self.assertEqual(states["voicemail"]["type"], "voicemail")


if __name__ == "__main__":
    unittest.main()
