"""Issue 11: every TwiML document the real daemon emits — for every state type and ring strategy,
queue waits and announcements, the queue → agent REST redirect (Twiml= and, past the provider's
4,000 characters, Url=), click-to-call — rebuilt with twilio-python's VoiceResponse (the real
library: verbs, nesting, attribute names) and checked against a table of the provider's value
rules from Twilio's docs (name lengths, key sets, voice/language pairs, URL syntax, sizes)."""
import inspect
import re
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator
from twilio.twiml import voice_response as vr

from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid, voice_params
from provider_standin import ProviderStandIn

# ---------------------------------------------------------------------------------------------
# Rebuilding with the real library.

def snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def rebuild(element, parent):
    """Adds `element` to the twilio-python node `parent` through the builder method of that name,
    so a verb the library does not nest there, or an attribute it does not name, fails."""
    method = getattr(parent, snake(element.tag), None)
    if method is None or not callable(method):
        raise AssertionError("<%s> cannot be nested in <%s>" % (element.tag, parent.name))
    params = inspect.signature(method).parameters
    kwargs = {}
    for name, value in element.attrib.items():
        key = snake(name)
        if key not in params:
            raise AssertionError("<%s> has no attribute %r in twilio-python" % (element.tag, name))
        kwargs[key] = value
    text = element.text if element.text is not None and element.text != "" else None
    first = next(iter(params))  # message / url / number / name / identity …
    if text is not None:
        kwargs[first] = text
    child = method(**kwargs)
    for sub in element:
        rebuild(sub, child)
    return child


def canonical(xml_text):
    return ET.canonicalize(xml_data=xml_text, strip_text=False)


def rebuilt_xml(document):
    root = ET.fromstring(document)
    assert root.tag == "Response", root.tag
    response = vr.VoiceResponse()
    for child in root:
        rebuild(child, response)
    return response.to_xml()


# ---------------------------------------------------------------------------------------------
# The provider's value rules (Twilio docs: TwiML verbs, error and warning references).

MAN_WOMAN = {"en-us", "en-gb", "es-es", "fr-fr", "de-de", "en", "es", "fr", "de"}
ALICE = {l.lower() for l in ("da-DK de-DE en-AU en-CA en-GB en-IN en-US ca-ES es-ES es-MX fi-FI fr-CA fr-FR "
                             "it-IT ja-JP ko-KR nb-NO nl-NL pl-PL pt-BR pt-PT ru-RU sv-SE zh-CN zh-HK zh-TW").split()}
POLLY = {"Mizuki": "ja-jp", "Takumi": "ja-jp", "Kazuha": "ja-jp", "Tomoko": "ja-jp", "Joanna": "en-us",
         "Matthew": "en-us", "Amy": "en-gb", "Brian": "en-gb", "Seoyeon": "ko-kr", "Mia": "es-mx", "Lucia": "es-es",
         "Celine": "fr-fr", "Lea": "fr-fr", "Vicki": "de-de", "Hans": "de-de", "Carla": "it-it", "Camila": "pt-br"}
KEYS = set("0123456789#*")
URL_ATTRS = {"action", "waitUrl", "statusCallback", "recordingStatusCallback", "url"}
WAIT_VERBS = {"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}
MAX_DOCUMENT = 64 * 1024   # Twilio's TwiML document limit
MAX_REST_TWIML = 4000      # error 32018
MAX_QUEUE_NAME = 64        # error 14205
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def speaks(voice, language):
    language = (language or "").lower()
    if not voice:
        return not language or language in MAN_WOMAN  # Twilio's default voice is man
    if voice in ("man", "woman"):
        return not language or language in MAN_WOMAN
    if voice == "alice":
        return not language or language in ALICE
    m = re.fullmatch(r"Polly\.([A-Za-z]+)(-Neural)?", voice)
    if m:
        own = POLLY.get(m.group(1))
        return own is not None and (not language or language == own)
    m = re.fullmatch(r"Google\.([a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9]+-[A-Za-z0-9-]+", voice)
    if m:
        return not language or language == m.group(1).lower()
    return False


def url_problem(url):
    if any(c.isspace() or ord(c) < 0x21 or ord(c) > 0x7e for c in url):
        return "has spaces, controls or raw non-ASCII"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "wss") or not parts.netloc:
        return "is not an absolute http(s)/wss URL"
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return "has a bad %-escape"
    return None


def rule_problems(document, kind):
    """What breaks the provider's value rules in one document. `kind`: 'answer' (a webhook
    answer), 'wait' (a queue wait URL answer) or 'rest' (a REST Twiml= parameter)."""
    problems = []
    if len(document) > MAX_DOCUMENT:
        problems.append("document of %d bytes" % len(document))
    if kind == "rest" and len(document) > MAX_REST_TWIML:
        problems.append("REST Twiml= of %d characters (32018)" % len(document))
    if not document.startswith('<?xml version="1.0" encoding="UTF-8"?><Response'):
        problems.append("does not start with the declaration and <Response>")
    root = ET.fromstring(document)
    verbs = list(root)
    if kind == "wait":
        for v in verbs:
            if v.tag not in WAIT_VERBS:
                problems.append("<%s> in a queue wait document" % v.tag)
    for i, v in enumerate(verbs):
        if v.tag == "Record" and (i + 1 == len(verbs) or verbs[i + 1].tag != "Redirect"):
            problems.append("<Record> not followed by a <Redirect>: an empty recording ends the flow")
    for el in root.iter():
        where = "<%s>" % el.tag
        for name in URL_ATTRS & set(el.attrib):
            if url_problem(el.get(name)):
                problems.append("%s %s %s" % (where, name, url_problem(el.get(name))))
        if el.tag in ("Play", "Redirect") and el.text and url_problem(el.text.strip()):
            problems.append("%s URL %s" % (where, url_problem(el.text.strip())))
        if el.tag == "Enqueue" and len(el.text or "") > MAX_QUEUE_NAME:
            problems.append("queue name of %d characters" % len(el.text))
        if el.tag in ("Record", "Gather"):
            key = el.get("finishOnKey")
            if key is None:
                problems.append("%s without finishOnKey (the provider's default applies)" % where)
            elif not set(key) <= KEYS or len(set(key)) != len(key) or (el.tag == "Gather" and len(key) > 1):
                problems.append("%s finishOnKey=%r" % (where, key))
        if el.tag == "Record" and el.get("transcribe") == "true" and int(el.get("maxLength", "3600")) > 120:
            problems.append("<Record transcribe> with maxLength %s (13617)" % el.get("maxLength"))
        if el.tag == "Gather" and "speech" in (el.get("input") or ""):
            said = [s.get("language") for s in el.iter("Say") if s.get("language")]
            if said and (el.get("language") or "").lower() != said[0].lower():
                problems.append("speech <Gather> recognises %r, its prompt speaks %r" % (el.get("language"), said[0]))
        if el.tag == "Say" and not speaks(el.get("voice"), el.get("language")):
            problems.append("<Say voice=%r language=%r>: the voice cannot speak it (13511)"
                            % (el.get("voice"), el.get("language")))
        if el.tag == "Dial" and el.get("callerId") is not None and not E164.match(el.get("callerId")):
            problems.append("<Dial callerId=%r> is no E.164 number (13214)" % el.get("callerId"))
    return problems


# ---------------------------------------------------------------------------------------------
# Flows that visit every state type and strategy.

OPEN_ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
STRATEGIES = ["parallel", "sequential", "round_robin", "longest_idle", "fewest_calls", "least_talk_time",
              "top_down", "random"]
LONG_STATE = "queue-" + "s" * 58  # 64 characters: with org and flow, past the provider's limit
LONG_FLOW = "f" * 60

TOUR = {"start": "hello", "states": [
    {"id": "hello", "type": "say", "say": {"text": "お電話ありがとうございます。", "language": "ja-JP"}, "next": "music"},
    {"id": "music", "type": "say", "play": {"url": "https://example.com/hello%20there.mp3"}, "loop": 2, "next": "hours"},
    {"id": "hours", "type": "business_hours", "timezone": "Asia/Tokyo", "weekly": OPEN_ALL_WEEK,
     "on": {"open": "route", "closed": "vm"}},
    {"id": "route", "type": "branch", "rules": [{"if": {"caller_prefix": "+81"}, "next": "menu"}], "default": "menu"},
    {"id": "menu", "type": "menu",
     "prompt": {"text": "営業は1、転送は2、伝言は3、サポートは4。", "language": "ja-JP", "voice": "Polly.Takumi"},
     "options": {"1": "grp", "2": "fwd", "3": "vm", "4": "user", "5": "nokey"},
     "speech": {"営業": "grp", "伝言": "vm"}, "attempts": 2, "on": {"no_input": "vm", "invalid": "bye"}},
    {"id": "nokey", "type": "menu", "prompt": {"url": "https://example.com/menu.mp3"}, "finish_on_key": "",
     "options": {"#": "bye", "*": "vm"}, "attempts": 1, "on": {"no_input": "bye", "invalid": "bye"}},
    {"id": "grp", "type": "ring_group", "group": "sales", "ring_timeout_s": 10, "record": True,
     "on": {"no_answer": "vm", "completed": "bye"}},
    {"id": "user", "type": "ring_user", "user": "u_sato",
     "on": {"no_answer": "vm", "busy": "vm", "unavailable": "vm"}},
    {"id": "fwd", "type": "forward", "number": "+14155550100", "caller_id": "caller", "record": True,
     "on": {"completed": "bye", "no_answer": "vm2", "busy": "vm2", "failed": "vm2"}},
    {"id": "vm", "type": "voicemail", "greeting": {"text": "発信音の後にどうぞ。", "language": "ja-JP"},
     "max_length_s": 60, "finish_on_key": "", "transcribe": True, "notify": {"group": "sales"}, "next": "thanks"},
    {"id": "vm2", "type": "voicemail", "greeting": {"text": "Leave a message.", "voice": "Polly.Joanna"},
     "max_length_s": 600, "finish_on_key": "#*", "next": "bye"},
    {"id": "thanks", "type": "say", "say": {"text": "ありがとうございました。", "language": "ja-JP", "voice": "alice"},
     "next": "bye"},
    {"id": "bye", "type": "hangup"}]}

QUEUED = {"start": LONG_STATE, "states": [
    {"id": LONG_STATE, "type": "ring_group", "group": "sales", "strategy": "longest_idle", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 120, "music_url": "https://example.com/hold.mp3",
               "announcement": {"text": "そのままお待ちください。", "language": "ja-JP"}, "announce_every_s": 30,
               "position_announcement": {"text": "You are number {position} in line.", "language": "en-GB"}},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
    {"id": "bye", "type": "hangup"}]}

REJECT = {"start": "no", "states": [{"id": "no", "type": "reject", "reason": "busy"}]}


def strategy_flow(strategy):
    return {"start": "ring", "states": [
        {"id": "ring", "type": "ring_group", "group": "sales", "strategy": strategy, "max_rounds": 2,
         "queue": {"max_wait_s": 60}, "on": {"no_answer": "bye", "timeout": "bye"}},
        {"id": "bye", "type": "hangup"}]}


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class Conformance(unittest.TestCase):
    """One daemon per class; `base` is its public_base_url (what callbacks and signatures use)."""
    base = None

    @classmethod
    def setUpClass(cls):
        cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        cls.addClassCleanup(cls.provider.close)
        extra = {"provider": {"api_base_url": cls.provider.url}}
        if cls.base:
            extra["public_base_url"] = cls.base
        cls.d = Daemon(extra_config=extra)
        cls.addClassCleanup(cls.d.close)
        if cls.base:
            cls.d.base = cls.base  # signatures are over public_base_url + path
        cls.d.start()
        cls.admin = cls.d.demo_admin_key
        cls.documents = []  # (label, kind, xml text)
        cls.sid = 0

    # --- talking to the daemon as the provider would, keeping every document ---

    def api(self, method, path, body=None, key=None, expect=(200, 201)):
        status, answer = self.d.api(method, path, key or self.admin, body)
        self.assertIn(status, expect, "%s %s → %s %s" % (method, path, status, answer))
        return answer

    def use_flow(self, flow_id, definition):
        self.api("PUT", "/v1/flows/%s/draft" % flow_id, definition)
        self.api("POST", "/v1/flows/%s/publish" % flow_id)
        self.api("PUT", "/v1/numbers/%2B815012345678/flow", {"flow_id": flow_id})

    def presence(self, user, presence):
        self.api("PUT", "/v1/users/%s/presence" % user, {"presence": presence})

    def fresh_agents(self):
        """Both agents available with no missed offers (three in a row would set them away)."""
        for user in ("u_sato", "u_kato"):
            self.presence(user, "away")
            self.presence(user, "available")

    def post(self, label, url_or_path, params, kind="answer"):
        path = path_of(url_or_path) if "://" in url_or_path else url_or_path
        status, headers, body = self.d.signed_form(path, params)
        self.assertEqual(status, 200, "%s: %s %s" % (label, path, body[:300]))
        self.assertIn(headers.get("content-type"), ("text/xml", "application/xml"), label)
        text = body.decode("utf-8")
        type(self).documents.append((label, kind, text))
        return ET.fromstring(text)

    def new_call(self, **extra):
        type(self).sid += 1
        sid = call_sid(0x11000 + type(self).sid + (0x1000 if self.base else 0))
        return sid, voice_params(sid, **extra)

    def check_all(self, documents):
        self.assertTrue(documents)
        failures = []
        for label, kind, text in documents:
            try:
                if canonical(rebuilt_xml(text)) != canonical(text):
                    failures.append("%s: rebuilt differs\n  ours:    %s\n  rebuilt: %s" % (label, text, rebuilt_xml(text)))
            except (AssertionError, ET.ParseError, TypeError) as e:
                failures.append("%s: %s\n  %s" % (label, e, text))
            for p in rule_problems(text, kind):
                failures.append("%s: %s\n  %s" % (label, p, text[:600]))
        self.assertEqual(failures, [], "\n".join(failures))


class EveryDocument(Conformance):
    def test_every_document_the_daemon_emits(self):
        d, docs = self.d, type(self).documents
        self.presence("u_sato", "available")
        self.presence("u_kato", "available")

        # The demo flow as seeded (its Japanese says must have a voice that speaks Japanese).
        sid, call = self.new_call()
        self.post("demo first answer", "/twilio/voice", call)
        # Unknown number.
        sid, call = self.new_call(to="+815000000000")
        self.post("unknown number", "/twilio/voice", call)

        self.use_flow("reject", REJECT)
        sid, call = self.new_call()
        self.post("reject", "/twilio/voice", call)

        self.use_flow("tour", TOUR)
        # say, play, business_hours, branch → menu
        sid, call = self.new_call()
        root = self.post("tour entry", "/twilio/voice", call)
        gather = root.find("Gather")
        self.assertEqual(gather.get("language"), "ja-JP")  # speech is recognised in the prompt's language
        self.assertEqual(gather.get("hints"), "営業,伝言")
        # Silence: asked again; then no_input → voicemail (Say + Record + Redirect).
        root = self.post("menu again", gather.get("action"), call)
        root = self.post("menu no input → vm", root.find("Gather").get("action"), call)
        record = root.find("Record")
        self.assertEqual(record.get("finishOnKey"), "")  # no key ends the message
        self.assertEqual(root.find("Say").get("voice"), "Polly.Mizuki")  # the ja-JP default voice
        # The caller left nothing: the provider skips the action and follows the Redirect.
        redirect = root.find("Redirect").text
        root = self.post("empty recording", redirect, call)
        self.assertEqual([v.tag for v in root], ["Say", "Hangup"])  # `next` ran: thanks, bye
        time.sleep(0.05)
        record_of = self.api("GET", "/v1/calls/" + sid)
        self.assertEqual(record_of["flow_path"][-2:], ["thanks", "bye"])
        self.assertNotEqual(record_of.get("disposition"), "voicemail")
        # A real message: the action comes with the recording.
        sid, call = self.new_call()
        root = self.post("tour entry 2", "/twilio/voice", call)
        root = self.post("menu 3 → vm", root.find("Gather").get("action"), dict(call, Digits="3"))
        root = self.post("recorded", root.find("Record").get("action"),
                         dict(call, RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="7"))
        self.assertEqual(self.api("GET", "/v1/calls/" + sid)["disposition"], "voicemail")

        # Speech, the ring group (record, agents rung at once), its dial result.
        self.fresh_agents()
        sid, call = self.new_call()
        root = self.post("tour entry 3", "/twilio/voice", call)
        root = self.post("said 営業 → grp", root.find("Gather").get("action"), dict(call, SpeechResult="営業です"))
        dial = root.find("Dial")
        self.assertEqual(sorted(c.text for c in dial), ["kato", "sato"])
        self.post("grp no-answer → vm", dial.get("action"), dict(call, DialCallStatus="no-answer"))

        # ring_user.
        self.fresh_agents()
        sid, call = self.new_call()
        root = self.post("tour entry 4", "/twilio/voice", call)
        root = self.post("menu 4 → user", root.find("Gather").get("action"), dict(call, Digits="4"))
        self.post("user busy → vm", root.find("Dial").get("action"), dict(call, DialCallStatus="busy"))

        # Menu with no finish key.
        sid, call = self.new_call()
        root = self.post("tour entry 5", "/twilio/voice", call)
        root = self.post("menu 5 → nokey", root.find("Gather").get("action"), dict(call, Digits="5"))
        self.assertEqual(root.find("Gather").get("finishOnKey"), "")
        self.post("nokey # → bye", root.find("Gather").get("action"), dict(call, Digits="#"))

        # Forward: the caller's number as callerId; none for anonymous or client callers.
        for frm, caller_id in (("+819012345678", "+819012345678"), ("anonymous", None), ("client:alice", None)):
            sid, call = self.new_call(frm=frm)
            root = self.post("tour entry from " + frm, "/twilio/voice", call)
            root = self.post("forward from " + frm, root.find("Gather").get("action"), dict(call, Digits="2"))
            self.assertEqual(root.find("Dial").get("callerId"), caller_id, frm)
            root = self.post("forward busy → vm2 from " + frm, root.find("Dial").get("action"),
                             dict(call, DialCallStatus="busy"))
            self.assertEqual(root.find("Record").get("finishOnKey"), "#*")

        # Every strategy: rung at once, a second round, and the queue when nobody is free.
        for strategy in STRATEGIES:
            self.use_flow("s-" + strategy.replace("_", "-"), strategy_flow(strategy))
            self.fresh_agents()
            sid, call = self.new_call()
            root = self.post(strategy + " ring", "/twilio/voice", call)
            root = self.post(strategy + " round 2", root.find("Dial").get("action"), dict(call, DialCallStatus="no-answer"))
            self.post(strategy + " no answer", root.find("Dial").get("action"), dict(call, DialCallStatus="no-answer"))

        # The queue: enqueued (long name), wait documents, announcements, leave; then a free agent
        # takes the caller through the REST redirect (Twiml=, captured by the stand-in).
        self.presence("u_sato", "away")
        self.presence("u_kato", "away")
        self.use_flow(LONG_FLOW, QUEUED)
        sid, call = self.new_call()
        root = self.post("enqueue", "/twilio/voice", call)
        enqueue = root.find("Enqueue")
        self.assertEqual(len(enqueue.text), 64)
        self.assertTrue(enqueue.text.startswith("demo:" + LONG_FLOW[:20]), enqueue.text)
        for t in ("0", "5", "30", "61", "121"):
            self.post("queue wait %s s" % t, enqueue.get("waitUrl"), dict(call, QueueTime=t), kind="wait")
        self.presence("u_kato", "available")
        (moved,) = self.provider.wait_for("POST", r"Calls/%s\.json" % sid)
        self.assertIn("Twiml", moved.form)
        docs.append(("REST redirect to kato", "rest", moved.form["Twiml"]))
        self.post("queue result redirected", enqueue.get("action"), dict(call, QueueResult="redirected"))
        dial = ET.fromstring(moved.form["Twiml"]).find("Dial")
        self.post("redirected dial completed", dial.get("action"), dict(call, DialCallStatus="completed"))
        # A second caller leaves the queue at max wait, a third hangs up while waiting.
        self.presence("u_kato", "away")
        for outcome in ("leave", "hangup"):
            sid, call = self.new_call()
            root = self.post("enqueue for " + outcome, "/twilio/voice", call)
            self.post("queue result " + outcome, root.find("Enqueue").get("action"), dict(call, QueueResult=outcome))

        # Click-to-call: the agent's softphone answers, the customer is dialled.
        self.api("POST", "/v1/wallet/topups", {"amount_micro": 5_000_000, "payment_id": "conformance"})
        sato = self.api("POST", "/v1/keys", {"role": "agent", "user_id": "u_sato"})["key"]
        answer = self.api("POST", "/v1/calls", {"to": "+14155550100"}, key=sato)
        outbound = voice_params(answer["sid"], to="client:sato", frm=DEMO_NUMBER, Direction="outbound-api",
                                CallStatus="in-progress")
        root = self.post("click-to-call", "/twilio/voice", outbound)
        self.assertEqual(root.find("Dial").get("callerId"), DEMO_NUMBER)

        kinds = {label.split(" ")[0] for label, _, _ in docs}
        self.assertGreaterEqual(len(docs), 50, [label for label, _, _ in docs])
        self.assertTrue({"enqueue", "queue", "REST", "click-to-call", "reject", "empty"} <= kinds, kinds)
        self.check_all(docs)

    def test_publishing_refuses_what_the_provider_would_reject(self):
        """Issue 11 items 2-8 through the real API (and the real voice table): 422, naming the
        state and the field."""
        def draft(state, extra=()):
            return {"start": state["id"], "states": [state, {"id": "bye", "type": "hangup"}] + list(extra)}
        say = lambda **kw: {"id": "hi", "type": "say", "say": dict({"text": "x"}, **kw), "next": "bye"}
        menu = lambda **kw: dict({"id": "m", "type": "menu", "prompt": {"text": "p"}, "options": {"1": "bye"}}, **kw)
        cases = [
            (draft({"id": "vm", "type": "voicemail", "finish_on_key": "abc"}), "state 'vm': field 'finish_on_key'"),
            (draft(say(voice="Robot.Bender")), "state 'hi': field 'say.voice': unknown voice 'Robot.Bender'"),
            (draft(say(language="xx-YY")), "state 'hi': field 'say.language': unknown language 'xx-YY'"),
            (draft(say(language="ja-JP", voice="man")), "state 'hi': field 'say.voice': voice 'man' does not speak 'ja-JP'"),
            (draft({"id": "p", "type": "say", "play": {"url": "https://example.com/a b.mp3"}, "next": "bye"}),
             "state 'p': field 'play.url'"),
            (draft(menu(options={"1": "bye", "#": "bye"})), "state 'm': field 'options.#': contains the finish key"),
            (draft(menu(num_digits=3, options={"0": "bye"})), "state 'm': field 'num_digits'"),
            (draft(menu(speech={"a,b": "bye"})), "state 'm': field 'speech.a,b'"),
            (draft({"id": "vm", "type": "voicemail", "max_length_s": 3600, "transcribe": True}),
             "state 'vm': field 'transcribe'"),
        ]
        for definition, message in cases:
            status, body = self.d.api("PUT", "/v1/flows/bad/draft", self.admin, definition)
            self.assertEqual(status, 422, (definition, body))
            self.assertIn(message, body["error"]["message"])
        # Allowed: no finish key, and a ja-JP Say with a voice that speaks it.
        ok = draft({"id": "vm", "type": "voicemail", "finish_on_key": "", "greeting":
                    {"text": "x", "language": "ja-JP", "voice": "Polly.Takumi-Neural"}})
        self.assertIn(self.d.api("PUT", "/v1/flows/good/draft", self.admin, ok)[0], (200, 201))

    def test_the_checks_catch_broken_documents(self):
        """The rules are not vacuous: documents with the bugs of issue 11 fail them."""
        head = '<?xml version="1.0" encoding="UTF-8"?><Response>'
        broken = {
            "long queue": head + "<Enqueue>%s</Enqueue></Response>" % ("q" * 65),
            "record key": head + '<Record finishOnKey="abc"/><Redirect>https://h/x</Redirect></Response>',
            "record last": head + '<Record finishOnKey="#"/></Response>',
            "no finish key": head + '<Gather input="dtmf" numDigits="1"/></Response>',
            "ja-JP in man": head + '<Say language="ja-JP">こんにちは</Say></Response>',
            "bad voice": head + '<Say voice="Robot.Bender">hi</Say></Response>',
            "space in url": head + "<Play>https://h/a b.mp3</Play></Response>",
            "relative url": head + '<Gather finishOnKey="#" action="/twilio/gather"/></Response>',
            "transcribe long": head + '<Record finishOnKey="#" maxLength="600" transcribe="true"/>'
                                      '<Redirect>https://h/x</Redirect></Response>',
            "caller id": head + '<Dial callerId="anonymous"><Number>+14155550100</Number></Dial></Response>',
            "speech language": head + '<Gather finishOnKey="#" input="dtmf speech"><Say language="ja-JP" '
                                      'voice="Polly.Mizuki">はい</Say></Gather></Response>',
        }
        for name, text in broken.items():
            self.assertTrue(rule_problems(text, "answer"), name)
        self.assertTrue(rule_problems(head + "<Dial>" + "x" * 4000 + "</Dial></Response>", "rest"))
        self.assertTrue(rule_problems(head + "<Enqueue>q</Enqueue></Response>", "wait"))
        # And the rebuild catches names the library does not know.
        for text in (head + '<Say lang="en">x</Say></Response>', head + "<Gather><Dial>1</Dial></Gather></Response>",
                     head + '<Dial><Client statuscallback="x">a</Client></Dial></Response>'):
            with self.assertRaises(AssertionError):
                rebuilt_xml(text)


# A public_base_url this long makes the queue → agent Dial longer than the REST API's 4,000
# characters: the move must go as Url= and the provider fetches the document from the daemon.
LONG_BASE = "https://" + ".".join(["voice-%02d-" % i + "x" * 50 for i in range(36)]) + ".example.com"


class LongRedirect(Conformance):
    base = LONG_BASE

    def test_a_redirect_past_the_rest_limit_is_fetched_from_the_daemon(self):
        docs = type(self).documents
        self.presence("u_sato", "away")
        self.presence("u_kato", "away")
        self.use_flow("q", {"start": "sales", "states": [
            {"id": "sales", "type": "ring_group", "group": "sales", "record": True, "queue": {"max_wait_s": 60},
             "on": {"no_answer": "bye", "timeout": "bye"}},
            {"id": "bye", "type": "hangup"}]})
        sid, call = self.new_call()
        enqueue = self.post("enqueue (long base)", "/twilio/voice", call).find("Enqueue")
        self.presence("u_sato", "available")
        (moved,) = self.provider.wait_for("POST", r"Calls/%s\.json" % sid)
        self.assertNotIn("Twiml", moved.form)
        self.assertEqual(moved.form.get("Method"), "POST")
        url = moved.form["Url"]
        self.assertTrue(url.startswith(LONG_BASE + "/twilio/redirect?"), url[:80])
        # The provider fetches it, signed like every webhook.
        root = self.post("fetched redirect", url, dict(call, CallStatus="in-progress"))
        doc = docs[-1][2]
        self.assertGreater(len(doc), 4000)
        dial = root.find("Dial")
        self.assertEqual([(c.tag, c.text) for c in dial], [("Client", "sato")])
        # Unsigned, or for another call: refused.
        status, _, _ = self.d.request("POST", path_of(url), body=urllib.parse.urlencode(call),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        other = dict(call, CallSid=call_sid(0xdead))
        status, _, _ = self.d.signed_form(path_of(url), other)
        self.assertEqual(status, 404)
        # The Dial works as any other: the queue reports the move, the agent answers, it ends.
        self.post("queue result redirected (long base)", enqueue.get("action"), dict(call, QueueResult="redirected"))
        self.post("dial completed (long base)", dial.get("action"), dict(call, DialCallStatus="completed"))
        self.assertEqual(self.api("GET", "/v1/calls/" + sid)["flow_path"][-1], "sales")
        self.check_all(docs)


if __name__ == "__main__":
    unittest.main()
