// Workflows: the org's rules (trigger, target, enabled toggle, a test send) and, for the one
// opened, its deliveries with their status and a retry for failed or dead ones; a form creates a
// rule (trigger, receiver, delay, an optional caller-number prefix). The signing secret is shown
// once, when the API generates it; conditions beyond the prefix are set through the API
// (docs/workflows.md).
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { dash, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Field, Notice, Select, useLoad } from './common.js';

const triggers = ['incoming_call_ring', 'incoming_call_start', 'incoming_call_end', 'outgoing_call_ring',
  'outgoing_call_start', 'outgoing_call_end', 'missed_call', 'voicemail_received'];
const blank = { id: '', name: '', trigger: 'missed_call', url: '', delay_s: '0', caller_prefix: '' };

function NewRule({ onCreated }) {
  const [form, setForm] = useState(blank);
  const [error, setError] = useState(null);
  const [secret, setSecret] = useState('');
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setSecret('');
    const body = { id: form.id, name: form.name || form.id, trigger: form.trigger, delay_s: Number(form.delay_s),
      action: { type: 'webhook', url: form.url } };
    if (form.caller_prefix) body.conditions = { match: 'all', rules: [{ field: 'caller', op: 'prefix', value: form.caller_prefix }] };
    try {
      const made = await api.post('/v1/workflows', body);
      setSecret(made.secret ?? '');
      setForm(blank);
      onCreated();
    } catch (err) { setError(err); }
  };
  return html`<form class="grid" id="workflow-form" onSubmit=${submit}>
    <${Field} id="wf-id" label=${t('id')} value=${form.id} onInput=${set('id')} required pattern="[a-z0-9_-]+" />
    <${Field} id="wf-name" label=${t('name')} value=${form.name} onInput=${set('name')} />
    <${Select} id="wf-trigger" label=${t('trigger')} value=${form.trigger} onChange=${set('trigger')}
      options=${triggers.map((tr) => [tr, t(`trigger_${tr}`)])} />
    <${Field} id="wf-url" type="url" label=${t('receiverUrl')} value=${form.url} onInput=${set('url')} required placeholder="https://crm.example/hooks/calls" />
    <${Field} id="wf-delay" type="number" label=${t('delay')} value=${form.delay_s} onInput=${set('delay_s')} min="0" max="604800" />
    <${Field} id="wf-prefix" label=${t('callerPrefix')} value=${form.caller_prefix} onInput=${set('caller_prefix')} placeholder="+81" />
    <button type="submit">${t('create')}</button>
    <${ErrorText} error=${error} />
    ${secret && html`<p class="notice" role="status" id="wf-secret">${t('secretOnce')} <code>${secret}</code></p>`}
  </form>`;
}

function Deliveries({ id }) {
  const [after, setAfter] = useState(0);
  const [error, setError] = useState(null);
  const list = useLoad(() => api.get(`/v1/workflows/${encodeURIComponent(id)}/deliveries${query({ after, limit: 50 })}`), [id, after]);
  return html`<section aria-labelledby="deliveries-title">
    <h2 id="deliveries-title">${t('deliveries')}: ${id}</h2>
    <${ErrorText} error=${error || list.error} />
    <table id="deliveries">
      <thead><tr>${['id', 'status', 'attempts', 'lastStatus', 'nextAttempt'].map((k) => html`<th scope="col">${t(k)}</th>`)}<th scope="col"></th></tr></thead>
      <tbody>${(list.data?.deliveries ?? []).map((d) => html`<tr>
        <td>${d.id}</td><td>${d.status}</td><td>${d.attempts}</td><td>${dash(d.last_status)} ${dash(d.last_error)}</td>
        <td>${when(d.next_attempt_at)}</td>
        <td>${d.status !== 'pending' && html`<button type="button" aria-label=${`${t('retry')} ${d.id}`} onClick=${async () => {
          setError(null);
          try { await api.post(`/v1/deliveries/${encodeURIComponent(d.id)}/retry`); list.reload(); } catch (e) { setError(e); }
        }}>${t('retry')}</button>`}</td></tr>`)}</tbody>
    </table>
    ${list.data?.next_after && html`<button type="button" onClick=${() => setAfter(list.data.next_after)}>${t('next')}</button>`}
  </section>`;
}

export function Workflows({ args }) {
  const rules = useLoad(() => api.get('/v1/workflows'));
  const [error, setError] = useState(null);
  const [tested, setTested] = useState('');
  const open = args[0] ? decodeURIComponent(args[0]) : null;
  const sendTest = async (id) => {
    setError(null);
    setTested('');
    try {
      const r = await api.post(`/v1/workflows/${encodeURIComponent(id)}/test`);
      const said = [r.status ? `HTTP ${r.status}` : '', r.error ?? ''].filter(Boolean).join(', ');
      setTested(`${id}: ${r.delivered ? t('testDelivered') : t('testFailed')}${said ? ` (${said})` : ''}`);
    } catch (err) { setError(err); }
  };
  return html`<section aria-labelledby="workflows-title">
    <h1 id="workflows-title">${t('workflows')}</h1>
    <${ErrorText} error=${error || rules.error} /><div id="wf-tested"><${Notice} text=${tested} /></div>
    <table id="workflow-list">
      <thead><tr>${['name', 'id', 'trigger', 'target', 'enabled'].map((k) => html`<th scope="col">${t(k)}</th>`)}<th scope="col"></th></tr></thead>
      <tbody>${(rules.data?.workflows ?? []).map((w) => html`<tr>
        <td><a href=${`#/workflows/${encodeURIComponent(w.id)}`}>${w.name || w.id}</a></td><td>${w.id}</td><td>${w.trigger}</td>
        <td>${w.action?.url}</td>
        <td><input type="checkbox" aria-label=${`${t('enabled')} ${w.id}`} checked=${w.enabled} onChange=${async (e) => {
          setError(null);
          try { await api.patch(`/v1/workflows/${encodeURIComponent(w.id)}`, { enabled: e.target.checked }); } catch (err) { setError(err); }
          rules.reload();
        }} /> ${w.disabled_reason ?? ''}</td>
        <td><button type="button" aria-label=${`${t('sendTest')} ${w.id}`} onClick=${() => sendTest(w.id)}>${t('sendTest')}</button></td></tr>`)}</tbody>
    </table>
    <h2>${t('newRule')}</h2>
    <${NewRule} onCreated=${rules.reload} />
    ${open && html`<${Deliveries} key=${open} id=${open} />`}
  </section>`;
}
