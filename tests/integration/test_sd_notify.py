"""Issue 2: systemd notifications arrive over $NOTIFY_SOCKET in lifecycle order, and the
watchdog is pinged from the event loop."""
import os
import signal
import socket
import tempfile
import time
import unittest

from harness import Daemon


class SdNotifyTest(unittest.TestCase):
    def test_ready_watchdog_reload_stopping_in_order(self):
        sock_dir = tempfile.mkdtemp(prefix="callrouter-notify-")
        path = os.path.join(sock_dir, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        d = Daemon(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        messages = []

        def receive_until(predicate):
            deadline = time.time() + 10
            while time.time() < deadline:
                msg = sock.recv(4096).decode()
                messages.append(msg)
                if predicate(msg):
                    return msg
            self.fail("no matching notification; got %r" % messages)

        try:
            d.start(wait=False)
            ready = receive_until(lambda m: "READY=1" in m)
            self.assertIn("STATUS=serving on 127.0.0.1:%d" % d.port, ready)
            # Serving by the time READY=1 arrives.
            self.assertEqual(d.request("GET", "/healthz")[0], 200)
            # Watchdog pings every WATCHDOG_USEC/2 = 100 ms.
            started = time.time()
            receive_until(lambda m: m == "WATCHDOG=1")
            receive_until(lambda m: m == "WATCHDOG=1")
            self.assertLess(time.time() - started, 2)

            d.proc.send_signal(signal.SIGHUP)
            receive_until(lambda m: "RELOADING=1" in m)
            after_reload = receive_until(lambda m: "READY=1" in m)
            self.assertIn("STATUS=serving", after_reload)

            d.proc.send_signal(signal.SIGTERM)
            receive_until(lambda m: "STOPPING=1" in m)
            self.assertEqual(d.proc.wait(10), 0)
            lifecycle = [m.split("\n")[0] for m in messages if m != "WATCHDOG=1"]
            self.assertEqual(lifecycle, ["STATUS=loading state from the journal", "READY=1", "RELOADING=1",
                                         "READY=1", "STOPPING=1"])
        finally:
            sock.close()
            d.close()

    def test_invalid_config_on_reload_keeps_serving(self):
        d = Daemon()
        try:
            d.start()
            bad = dict(d.config)
            bad["log"] = {"level": "shouting"}
            d.write_config(bad)
            d.proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertEqual(d.request("GET", "/healthz")[0], 200)
            self.assertIn("reload refused", d.logs())
            self.assertIn("log.level", d.logs())
            self.assertEqual(d.stop(), 0)
        finally:
            d.close()

    def test_reload_applies_new_limits(self):
        d = Daemon()
        try:
            d.start()
            self.assertEqual(d.request("POST", "/twilio/voice", body="a=" + "b" * 5000)[0], 403)
            cfg = dict(d.config)
            cfg["http"] = {"max_body_bytes": 1024}
            d.write_config(cfg)
            d.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 5
            while "configuration reloaded" not in d.logs() and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(d.request("POST", "/twilio/voice", body="a=" + "b" * 5000)[0], 413)
        finally:
            d.close()


class CommandLineTest(unittest.TestCase):
    def run_daemon(self, *args):
        import subprocess
        from harness import DAEMON
        return subprocess.run([DAEMON, *args], capture_output=True, text=True, timeout=30)

    def test_help_version_check_config(self):
        from harness import SOURCE_DIR
        out = self.run_daemon("--help")
        self.assertEqual(out.returncode, 0)
        self.assertIn("--check-config", out.stdout)
        out = self.run_daemon("--version")
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"callrouterd \d+\.\d+\.\d+")
        out = self.run_daemon("--config", os.path.join(SOURCE_DIR, "config", "callrouter.json"), "--check-config")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_bad_config_is_rejected_naming_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write('{"listen": {"address": "127.0.0.1", "port": 8080, "backlog": 5}}')
        out = self.run_daemon("--config", f.name, "--check-config")
        os.unlink(f.name)
        self.assertEqual(out.returncode, 1)
        self.assertIn("listen.backlog", out.stderr)
        out = self.run_daemon("--frobnicate")
        self.assertEqual(out.returncode, 2)


if __name__ == "__main__":
    unittest.main()
