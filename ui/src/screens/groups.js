// Telephony groups: members in ring order and wrap-up time; add and remove.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { DeleteButton, ErrorText, Field, useLoad } from './common.js';

export function Groups() {
  const groups = useLoad(() => api.get('/v1/groups'));
  const [form, setForm] = useState({ id: '', name: '', members: '', wrap_up_s: '0' });
  const [error, setError] = useState(null);
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const add = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/v1/groups', { id: form.id, name: form.name, wrap_up_s: Number(form.wrap_up_s),
        members: form.members.split(',').map((m) => m.trim()).filter(Boolean) });
      setForm({ id: '', name: '', members: '', wrap_up_s: '0' });
      groups.reload();
    } catch (err) { setError(err); }
  };
  return html`<section aria-labelledby="groups-title">
    <h1 id="groups-title">${t('groups')}</h1>
    <${ErrorText} error=${error || groups.error} />
    <table>
      <thead><tr><th scope="col">${t('id')}</th><th scope="col">${t('name')}</th><th scope="col">${t('members')}</th>
        <th scope="col">${t('wrapUp')}</th><th scope="col"></th></tr></thead>
      <tbody>${(groups.data?.groups ?? []).map((g) => html`<tr>
        <td>${g.id}</td><td>${g.name}</td><td>${g.members.join(', ')}</td><td>${g.wrap_up_s}</td>
        <td><a href=${`#/users`} onClick=${() => sessionStorage.setItem('callrouter.users.group', g.id)}>${t('users')}</a>
        <${DeleteButton} id=${g.id} path=${`/v1/groups/${encodeURIComponent(g.id)}`} onDone=${groups.reload} onError=${setError} /></td></tr>`)}</tbody>
    </table>
    <h2>${t('addGroup')}</h2>
    <form class="grid" onSubmit=${add}>
      <${Field} id="group-id" label=${t('id')} value=${form.id} onInput=${set('id')} required />
      <${Field} id="group-name" label=${t('name')} value=${form.name} onInput=${set('name')} />
      <${Field} id="group-members" label=${t('members')} value=${form.members} onInput=${set('members')} />
      <${Field} id="group-wrap" type="number" label=${t('wrapUp')} value=${form.wrap_up_s} onInput=${set('wrap_up_s')} min="0" />
      <button type="submit">${t('add')}</button>
    </form>
  </section>`;
}
