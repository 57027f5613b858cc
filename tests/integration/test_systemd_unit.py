#!/usr/bin/python3
"""Checks systemd/callrouter.service: systemd-analyze verify finds nothing to say about it, it
carries every directive the package relies on, and its offline exposure score stays below 3.0.

Run: CALLROUTERD=/path/to/built/callrouterd /usr/bin/python3 tests/integration/test_systemd_unit.py
Without CALLROUTERD the unit's ExecStart points at /bin/true, so the test runs stand-alone.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNIT_SOURCE = REPO / "systemd" / "callrouter.service"
UNIT_NAME = "callrouter.service"
INSTALLED_BINARY = "/usr/bin/callrouterd"
MAX_EXPOSURE = 3.0

# Settings whose last assignment wins: (section, key, expected value).
SINGLE = [
    ("Service", "Type", "notify"),
    ("Service", "NotifyAccess", "main"),
    ("Service", "ExecStart", "/usr/bin/callrouterd --config /etc/callrouter/callrouter.json"),
    ("Service", "ExecReload", "/bin/kill -HUP $MAINPID"),
    ("Service", "WatchdogSec", "10s"),
    ("Service", "Restart", "on-failure"),
    ("Service", "RestartSec", "2s"),
    ("Service", "TimeoutStopSec", "30s"),
    ("Service", "DynamicUser", "yes"),
    ("Service", "StateDirectory", "callrouter"),
    ("Service", "LimitNOFILE", "65536"),
    ("Service", "ProtectSystem", "strict"),
    ("Service", "ProtectHome", "yes"),
    ("Service", "NoNewPrivileges", "yes"),
    ("Service", "PrivateTmp", "yes"),
    ("Service", "PrivateDevices", "yes"),
    ("Service", "ProtectKernelTunables", "yes"),
    ("Service", "ProtectKernelModules", "yes"),
    ("Service", "ProtectKernelLogs", "yes"),
    ("Service", "ProtectControlGroups", "yes"),
    ("Service", "ProtectClock", "yes"),
    ("Service", "ProtectHostname", "yes"),
    ("Service", "RestrictNamespaces", "yes"),
    ("Service", "RestrictRealtime", "yes"),
    ("Service", "RestrictSUIDSGID", "yes"),
    ("Service", "LockPersonality", "yes"),
    ("Service", "MemoryDenyWriteExecute", "yes"),
    ("Service", "SystemCallArchitectures", "native"),
    ("Service", "CapabilityBoundingSet", ""),
    ("Service", "UMask", "0077"),
]

# List settings: every entry must be in the effective list (an empty assignment resets it).
CONTAINS = [
    ("Service", "LoadCredential", "system-key:/etc/callrouter/system-key"),
    ("Service", "SystemCallFilter", "@system-service"),
    ("Service", "SystemCallFilter", "~@privileged @resources"),
]

# List settings that must be exactly this set, so nothing widens them.
EXACT_SET = [
    ("Service", "RestrictAddressFamilies", {"AF_INET", "AF_INET6", "AF_UNIX"}),
]

TRUE_WORDS = {"yes", "true", "on", "1"}
FALSE_WORDS = {"no", "false", "off", "0"}


def parse_unit(text):
    """Returns {(section, key): [value, ...]} in file order, joining continuation lines."""
    entries = {}
    section = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if "=" not in line or section is None:
            raise ValueError(f"not a unit file line: {raw!r}")
        key, value = line.split("=", 1)
        entries.setdefault((section, key.strip()), []).append(value.strip())
    return entries


def normalise(value):
    low = value.lower()
    if low in TRUE_WORDS:
        return "yes"
    if low in FALSE_WORDS:
        return "no"
    return value


def effective_list(assignments):
    """systemd list semantics: assignments accumulate, an empty one clears what came before."""
    items = []
    for value in assignments:
        if value == "":
            items = []
        else:
            items.append(value)
    return items


def run(args):
    env = dict(os.environ, SYSTEMD_COLORS="0", SYSTEMD_PAGER="", SYSTEMD_LOG_COLOR="0")
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                          timeout=120, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", errors="replace")


def lines_about(output, unit_path):
    """Output lines that concern unit_path (by file path or unit name), not other units."""
    name = Path(unit_path).name
    return [l for l in output.splitlines() if str(unit_path) in l or name in l]


def verify(unit_path):
    # --man=no: the unit has no Documentation=man: links, and containers often lack man-db.
    return run(["systemd-analyze", "verify", "--man=no", str(unit_path)])


class SystemdUnitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="callrouter-unit-")
        cls.dir = Path(cls.tmp.name)
        cls.source_text = UNIT_SOURCE.read_text(encoding="utf-8")
        binary = os.environ.get("CALLROUTERD") or "/bin/true"
        cls.binary = str(Path(binary).resolve())
        cls.unit = cls.dir / UNIT_NAME
        cls.unit_text = cls.source_text.replace(
            f"ExecStart={INSTALLED_BINARY} ", f"ExecStart={cls.binary} ")
        cls.unit.write_text(cls.unit_text, encoding="utf-8")
        cls.analyze = shutil.which("systemd-analyze")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def require_analyze(self):
        # Not a skip: without the tool this test would pass while checking nothing.
        self.assertIsNotNone(self.analyze, "systemd-analyze not found; install the systemd package")

    def test_copy_runs_the_built_binary(self):
        self.assertTrue(os.access(self.binary, os.X_OK), f"{self.binary} is not executable")
        exec_start = parse_unit(self.unit_text)[("Service", "ExecStart")]
        self.assertEqual(exec_start,
                         [f"{self.binary} --config /etc/callrouter/callrouter.json"])

    def test_verify_reports_problems_in_this_environment(self):
        # Proves verify works here: a unit with a bogus key must be reported, else a clean result
        # below would mean nothing.
        self.require_analyze()
        canary = self.dir / "callrouter-canary.service"
        canary.write_text("[Unit]\nDescription=canary\n[Service]\nType=oneshot\n"
                          "ExecStart=/bin/true\nNotARealDirective=1\n", encoding="utf-8")
        _, output = verify(canary)
        flagged = [l for l in lines_about(output, canary) if "NotARealDirective" in l]
        self.assertTrue(flagged, "systemd-analyze verify did not flag an unknown key; "
                                 f"it cannot vouch for the real unit here. Output:\n{output}")

    def test_verify_is_clean(self):
        self.require_analyze()
        code, output = verify(self.unit)
        if output.strip():
            print(f"\nsystemd-analyze verify output:\n{output}")
        about_us = lines_about(output, self.unit)
        self.assertEqual(about_us, [], "systemd-analyze verify has remarks on the unit")
        self.assertEqual(code, 0, f"systemd-analyze verify exited {code}:\n{output}")

    def test_required_directives(self):
        entries = parse_unit(self.source_text)
        for section, key, expected in SINGLE:
            with self.subTest(f"{key}={expected}"):
                values = entries.get((section, key))
                self.assertIsNotNone(values, f"[{section}] {key}= missing")
                self.assertEqual(normalise(values[-1]), normalise(expected))
        for section, key, expected in CONTAINS:
            with self.subTest(f"{key}={expected}"):
                self.assertIn(expected, effective_list(entries.get((section, key), [])))
        for section, key, expected in EXACT_SET:
            with self.subTest(f"{key}={' '.join(sorted(expected))}"):
                items = effective_list(entries.get((section, key), []))
                self.assertEqual({w for item in items for w in item.split()}, expected)
        self.assertIn(("Install", "WantedBy"), entries)

    def test_parser_rejects_what_it_should(self):
        # The directive check is only as good as the parser; make sure it can say no.
        entries = parse_unit("[Service]\nProtectHome=read-only\nCapabilityBoundingSet=CAP_NET_RAW\n"
                             "SystemCallFilter=@system-service\nSystemCallFilter=\n")
        self.assertNotEqual(normalise(entries[("Service", "ProtectHome")][-1]), "yes")
        self.assertNotEqual(entries[("Service", "CapabilityBoundingSet")][-1], "")
        self.assertNotIn("@system-service",
                         effective_list(entries[("Service", "SystemCallFilter")]))

    def test_security_exposure(self):
        self.require_analyze()
        code, output = run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                            str(self.unit)])
        if re.search(r"unrecognized option|unknown option", output):
            self.skipTest("systemd-analyze security has no --offline (needs systemd >= 250)")
        match = re.search(r"Overall exposure level for \S+: ([0-9]+(?:\.[0-9]+)?)", output)
        self.assertIsNotNone(match, f"no exposure score (exit {code}):\n{output}")
        score = float(match.group(1))
        print(f"\nsystemd-analyze security exposure for {UNIT_NAME}: {score}")
        self.assertLess(score, MAX_EXPOSURE, output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
