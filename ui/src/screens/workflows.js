// Workflows: the org's rules (trigger, target, enabled toggle) and, for the one opened, its
// deliveries with their status and a retry for failed or dead ones. Rules are created through the
// API for now (docs/workflows.md); the secret is never shown.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { dash, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, useLoad } from './common.js';

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
  const open = args[0] ? decodeURIComponent(args[0]) : null;
  return html`<section aria-labelledby="workflows-title">
    <h1 id="workflows-title">${t('workflows')}</h1>
    <${ErrorText} error=${error || rules.error} />
    <table id="workflow-list">
      <thead><tr>${['name', 'id', 'trigger', 'target', 'enabled'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${(rules.data?.workflows ?? []).map((w) => html`<tr>
        <td><a href=${`#/workflows/${encodeURIComponent(w.id)}`}>${w.name || w.id}</a></td><td>${w.id}</td><td>${w.trigger}</td>
        <td>${w.action?.url}</td>
        <td><input type="checkbox" aria-label=${`${t('enabled')} ${w.id}`} checked=${w.enabled} onChange=${async (e) => {
          setError(null);
          try { await api.patch(`/v1/workflows/${encodeURIComponent(w.id)}`, { enabled: e.target.checked }); } catch (err) { setError(err); }
          rules.reload();
        }} /> ${w.disabled_reason ?? ''}</td></tr>`)}</tbody>
    </table>
    ${open && html`<${Deliveries} key=${open} id=${open} />`}
  </section>`;
}
