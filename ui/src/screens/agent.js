// The agent's own view (an agent key): presence, the calls offered to them as they ring (the
// agent stream, GET /v1/agents/stream), and click-to-call (POST /v1/calls). The call itself is
// taken on the agent's softphone or phone; the console shows what the daemon knows of it.
import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { dash, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Field, Notice, Select } from './common.js';

const kept = 20;  // offers and ends shown

// The agent stream: the snapshot's user and open offers, then offers, answers and ends as they come.
function useAgentStream() {
  const [user, setUser] = useState(null);
  const [offers, setOffers] = useState([]);
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    let socket = null;
    let retry = null;
    let delay = 1000;
    let closed = false;
    const connect = () => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${location.host}/v1/agents/stream?key=${encodeURIComponent(session.key())}`);
      socket.onopen = () => { delay = 1000; setStatus('connected'); };
      socket.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === 'snapshot') {
          setUser(msg.user);
          setOffers((msg.offers ?? []).map((o) => ({ ...o, state: 'ringing', at: new Date().toISOString() })));
        } else if (msg.type === 'presence.changed') {
          setUser((u) => (u ? { ...u, presence: msg.presence } : u));
        } else if (msg.type === 'call.offered') {
          setOffers((list) => [{ ...msg, state: 'ringing', at: new Date().toISOString() },
            ...list.filter((o) => o.call_sid !== msg.call_sid)].slice(0, kept));
        } else if (msg.type === 'call.connected' || msg.type === 'call.ended') {
          const state = msg.type === 'call.connected' ? 'connected' : msg.outcome;
          setOffers((list) => list.map((o) => (o.call_sid === msg.call_sid ? { ...o, state } : o)));
        }
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
  return { user, offers, status };
}

function ClickToCall() {
  const [to, setTo] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    try {
      const r = await api.post('/v1/calls', { to: to.trim() });
      setNotice(`${t('calling')} ${r.to} (${r.sid}; ${t('timeLimit')} ${r.time_limit_s} s)`);
    } catch (err) { setError(err); }
  };
  return html`<form class="row" id="click-to-call" onSubmit=${submit}>
    <${Field} id="call-to" type="tel" label=${t('callNumber')} value=${to} onInput=${setTo} required placeholder="+81312345678" />
    <button type="submit">${t('call')}</button>
    <${ErrorText} error=${error} /><${Notice} text=${notice} />
  </form>`;
}

export function AgentPhone() {
  const { user, offers, status } = useAgentStream();
  const [error, setError] = useState(null);
  const setPresence = async (presence) => {
    setError(null);
    try { await api.put(`/v1/users/${encodeURIComponent(user.id)}/presence`, { presence }); } catch (err) { setError(err); }
  };
  return html`<section aria-labelledby="phone-title">
    <h1 id="phone-title">${t('phone')}${user ? `: ${user.name || user.id}` : ''}</h1>
    <p id="agent-status" class=${status === 'connected' ? 'help' : 'warning'} role="status">${t(status)}</p>
    <${ErrorText} error=${error} />
    ${user && html`<${Select} id="my-presence" label=${t('presence')} value=${user.presence === 'away' || user.presence === 'offline' ? user.presence : 'available'}
      onChange=${setPresence} options=${['available', 'away', 'offline'].map((p) => [p, t(`agent_${p}`)])} />
      <p class="help" id="engine-presence">${t('enginePresence')}: ${t(`agent_${user.presence}`)}</p>`}
    <h2>${t('offers')}</h2>
    <table id="offers">
      <thead><tr>${['when', 'from', 'to', 'status'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${offers.map((o) => html`<tr data-sid=${o.call_sid}><td>${when(o.at)}</td><td>${dash(o.from)}</td><td>${dash(o.to)}</td>
        <td>${o.state}</td></tr>`)}</tbody>
    </table>
    ${user?.allow_outgoing && html`<h2>${t('clickToCall')}</h2><${ClickToCall} />`}
  </section>`;
}
