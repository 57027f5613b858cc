"""A real nats-server with JetStream for the tests, and a reader of a stream that speaks the NATS
text protocol over a socket (CONNECT, SUB, PUB, MSG, HMSG): no NATS client library is needed."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port

NATS_SERVER = shutil.which("nats-server")


class NatsServer:
    """nats-server -js with file storage in a temp dir that survives kill() and start()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="callrouter-nats-")
        self.port = free_port()
        self.url = "nats://127.0.0.1:%d" % self.port
        self.proc = None
        self.log = None

    def start(self, timeout=10):
        self.log = open(os.path.join(self.dir, "nats.log"), "ab")
        self.proc = subprocess.Popen([NATS_SERVER, "-js", "-sd", os.path.join(self.dir, "store"),
                                      "-a", "127.0.0.1", "-p", str(self.port)], stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited with %s:\n%s" % (self.proc.returncode, self.logs()))
            try:
                with JetStream(self.port) as js:
                    js.request("$JS.API.INFO", b"")  # JetStream answers, not only the listener
                return self
            except (OSError, RuntimeError):
                time.sleep(0.05)
        raise RuntimeError("nats-server not ready in %ss:\n%s" % (timeout, self.logs()))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.log.close()

    def close(self):
        if self.proc is not None:
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self):
        try:
            with open(os.path.join(self.dir, "nats.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class JetStream:
    """One NATS connection: request/reply on the JetStream API, and a stream read back by seq."""

    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.inbox = "_INBOX.callrouter_test_%d" % os.getpid()
        self.next_id = 0
        kind, _ = self._read_op()
        if kind != "INFO":
            raise RuntimeError("expected INFO, got %s" % kind)
        self._send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n')
        self._send(b"SUB %s.* 1\r\nPING\r\n" % self.inbox.encode())
        while self._read_op()[0] != "PONG":
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def _send(self, data):
        self.sock.sendall(data)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("nats-server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("nats-server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _read_op(self):
        """(kind, (subject, headers bytes, payload bytes) or None); answers the server's PINGs."""
        while True:
            line = self._line()
            kind = line.split(" ", 1)[0].upper()
            if kind == "PING":
                self._send(b"PONG\r\n")
            elif kind == "+OK":
                continue
            elif kind == "-ERR":
                raise RuntimeError("nats-server: " + line)
            elif kind == "MSG":
                parts = line.split(" ")
                return kind, (parts[1], b"", self._bytes(int(parts[-1])))
            elif kind == "HMSG":
                parts = line.split(" ")
                header_len, total = int(parts[-2]), int(parts[-1])
                data = self._bytes(total)
                return kind, (parts[1], data[:header_len], data[header_len:])
            else:
                return kind, None

    def request(self, subject, payload, timeout=5):
        """Publishes with a reply inbox and returns the reply's parsed JSON."""
        self.next_id += 1
        reply = "%s.%d" % (self.inbox, self.next_id)
        self._send(b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), reply.encode(), len(payload), payload))
        self.sock.settimeout(timeout)
        while True:
            kind, msg = self._read_op()
            if kind in ("MSG", "HMSG") and msg[0] == reply:
                if kind == "HMSG" and b" 503" in msg[1].split(b"\r\n", 1)[0]:
                    raise RuntimeError("no responders for %s (JetStream not ready)" % subject)
                return json.loads(msg[2])

    def stream_info(self, stream):
        return self.request("$JS.API.STREAM.INFO." + stream, b"")

    def messages(self, stream):
        """Every message of the stream in stream order: dicts with seq, subject, headers, data."""
        info = self.stream_info(stream)
        if "error" in info:
            raise RuntimeError("stream %s: %s" % (stream, info["error"]))
        state = info["state"]
        out = []
        for seq in range(state["first_seq"], state["last_seq"] + 1):
            got = self.request("$JS.API.STREAM.MSG.GET." + stream, json.dumps({"seq": seq}).encode())
            if "error" in got:
                if got["error"].get("code") == 404:
                    continue  # deleted (none are, but a gap here is the server's, not ours)
                raise RuntimeError("message %d: %s" % (seq, got["error"]))
            m = got["message"]
            out.append({"seq": m["seq"], "subject": m["subject"],
                        "headers": parse_headers(base64.b64decode(m.get("hdrs", ""))),
                        "data": json.loads(base64.b64decode(m.get("data", "")))})
        return out


def parse_headers(raw):
    """'NATS/1.0\\r\\nKey: value\\r\\n\\r\\n' -> {key: value}."""
    headers = {}
    for line in raw.decode().split("\r\n")[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip()] = value.strip()
    return headers
