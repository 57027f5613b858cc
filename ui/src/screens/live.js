// The live board: WS /v1/live (docs/analytics.md). A snapshot on connect, the board again when it
// changes, and every committed call event, newest first. Waits are counted here from
// `oldest_since`, once a second; a dropped connection comes back with a fresh snapshot.
// Calls in progress: the snapshot's list, then kept from the events (each carries the whole call
// as it now stands, and call.ended removes it).
import { useEffect, useState } from 'preact/hooks';
import { session } from '../api.js';
import { dash, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const states = ['available', 'ringing', 'on_call', 'wrap_up', 'away', 'offline'];
const kept = 50;  // events shown
const percent = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);

function useBoard() {
  const [board, setBoard] = useState(null);
  const [events, setEvents] = useState([]);
  const [calls, setCalls] = useState(new Map());
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    let socket = null;
    let retry = null;
    let delay = 1000;
    let closed = false;
    const connect = () => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      // Browsers cannot set headers on a WebSocket, so the key goes in the query (docs/analytics.md).
      socket = new WebSocket(`${scheme}://${location.host}/v1/live?key=${encodeURIComponent(session.key())}`);
      socket.onopen = () => { delay = 1000; setStatus('connected'); };
      socket.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === 'snapshot' || msg.type === 'board') setBoard(msg.board);
        if (msg.type === 'snapshot') {
          setCalls(new Map((msg.calls ?? []).map((c) => [c.sid, { ...c, last: c.queued ? 'queue.joined' : 'snapshot' }])));
        }
        if (msg.type !== 'event') return;
        const e = msg.event;
        setEvents((list) => [e, ...list].slice(0, kept));
        setCalls((now) => {
          const next = new Map(now);
          // call.recording and call.audio often come after the end: an ended call stays gone.
          if (e.type === 'call.ended' || e.data?.ended_at) next.delete(e.call_sid);
          else if (e.type.startsWith('call.') || e.type.startsWith('queue.')) next.set(e.call_sid, { ...e.data, last: e.type });
          return next;
        });
      };
      socket.onclose = () => {
        if (closed) return;
        setStatus('disconnected');
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30_000);
      };
    };
    connect();
    return () => { closed = true; clearTimeout(retry); socket?.close(); };
  }, []);
  return { board, events, calls, status };
}

function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function Live() {
  const { board, events, calls, status } = useBoard();
  const now = useNow();
  const today = board?.today ?? {};
  return html`<section aria-labelledby="live-title">
    <h1 id="live-title">${t('liveBoard')}</h1>
    <p id="live-status" class=${status === 'connected' ? 'help' : 'warning'} role="status">${t(status)}</p>
    ${board && html`
      <h2>${t('agents')}</h2>
      <dl class="cards" id="live-agents">${states.map((s) => html`<div data-state=${s}>
        <dt>${t(`agent_${s}`)}</dt><dd><span class="count">${board.agents[s]?.count ?? 0}</span>
        <br/><small class="users">${(board.agents[s]?.users ?? []).join(', ')}</small></dd></div>`)}</dl>
      <h2>${t('callsInProgress')}</h2>
      <table id="live-calls">
        <thead><tr>${['started', 'direction', 'from', 'to', 'user', 'state', 'elapsed'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
        <tbody>${[...calls.values()].map((c) => html`<tr data-sid=${c.sid} data-last=${c.last}>
          <td>${when(c.started_at)}</td><td>${t(c.direction)}</td><td>${dash(c.from)}</td><td>${dash(c.to)}</td>
          <td>${dash(c.user_id)}</td><td>${c.connected_at ? t('agent_on_call') : c.last === 'queue.joined' ? t('waiting') : t('agent_ringing')}</td>
          <td>${Math.max(0, Math.round((now - Date.parse(c.started_at)) / 1000))} s</td></tr>`)}</tbody>
      </table>
      <h2>${t('queues')}</h2>
      <table id="live-queues">
        <thead><tr>${['queue', 'waiting', 'oldestWait'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
        <tbody>${board.queues.map((q) => html`<tr data-queue=${q.queue}><td>${q.queue}</td><td>${q.waiting}</td>
          <td>${Math.max(0, Math.round((now - Date.parse(q.oldest_since)) / 1000))} s</td></tr>`)}</tbody>
      </table>
      ${board.queues.length === 0 && html`<p>${t('nobodyWaiting')}</p>`}
      <h2>${t('today')}</h2>
      <dl class="cards" id="live-today">
        ${['offered', 'answered', 'missed', 'abandoned'].map((k) => html`<div data-figure=${k}><dt>${t(k)}</dt><dd>${today[k] ?? 0}</dd></div>`)}
        <div data-figure="service_level"><dt>${t('service_level')}</dt><dd>${percent(today.service_level)}</dd></div>
        <div data-figure="abandon_rate"><dt>${t('abandon_rate')}</dt><dd>${percent(today.abandon_rate)}</dd></div>
      </dl>`}
    <h2>${t('recentEvents')}</h2>
    <table id="live-events">
      <thead><tr>${['when', 'type', 'id', 'from', 'to'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${events.map((e) => html`<tr data-type=${e.type} data-sid=${e.call_sid}>
        <td>${when(e.at)}</td><td>${e.type}</td><td>${e.call_sid}</td><td>${dash(e.data?.from)}</td><td>${dash(e.data?.to)}</td></tr>`)}</tbody>
    </table>
  </section>`;
}
