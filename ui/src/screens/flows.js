// Call flows: the list (enable toggle, new flow, delete) and, at #/flows/<id>, the designer.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { Designer } from './designer.js';
import { ErrorText, Field, useLoad } from './common.js';

export function Flows({ args }) {
  if (args[0]) return html`<${Designer} id=${decodeURIComponent(args[0])} />`;
  return html`<${FlowList} />`;
}

function FlowList() {
  const flows = useLoad(() => api.get('/v1/flows'));
  const [form, setForm] = useState({ id: '', name: '' });
  const [error, setError] = useState(null);
  const act = async (fn) => {
    setError(null);
    try { await fn(); flows.reload(); } catch (e) { setError(e); }
  };
  return html`<section aria-labelledby="flows-title">
    <h1 id="flows-title">${t('flows')}</h1>
    <${ErrorText} error=${error || flows.error} />
    <table>
      <thead><tr><th scope="col">${t('name')}</th><th scope="col">${t('id')}</th><th scope="col">${t('enabled')}</th>
        <th scope="col">${t('published')}</th><th scope="col">${t('numbers')}</th><th scope="col"></th></tr></thead>
      <tbody>${(flows.data?.flows ?? []).map((f) => html`<tr>
        <td><a href=${`#/flows/${encodeURIComponent(f.id)}`}>${f.name || f.id}</a></td><td>${f.id}</td>
        <td><input type="checkbox" aria-label=${`${t('enabled')} ${f.id}`} checked=${f.enabled}
          onChange=${(e) => act(() => api.post(`/v1/flows/${encodeURIComponent(f.id)}/${e.target.checked ? 'enable' : 'disable'}`))} /></td>
        <td>${f.published ? `v${f.published.version} · ${when(f.published.published_at)}` : t('notPublished')}</td>
        <td>${(f.numbers ?? []).join(', ')}</td>
        <td><a href=${`#/flows/${encodeURIComponent(f.id)}`}>${t('design')}</a>
          <button type="button" aria-label=${`${t('delete')} ${f.id}`}
            onClick=${() => confirm(t('confirmDelete')) && act(() => api.del(`/v1/flows/${encodeURIComponent(f.id)}`))}>${t('delete')}</button></td>
      </tr>`)}</tbody>
    </table>
    <h2>${t('newFlow')}</h2>
    <form class="row" onSubmit=${(e) => {
      e.preventDefault();
      act(async () => {
        const body = form.id ? { id: form.id, name: form.name } : { name: form.name };
        const created = await api.post('/v1/flows', body);
        location.hash = `#/flows/${encodeURIComponent(created.id)}`;
      });
    }}>
      <${Field} id="flow-id" label=${t('id')} value=${form.id} onInput=${(v) => setForm({ ...form, id: v })} />
      <${Field} id="flow-name" label=${t('name')} value=${form.name} onInput=${(v) => setForm({ ...form, name: v })} required />
      <button type="submit">${t('create')}</button>
    </form>
  </section>`;
}
