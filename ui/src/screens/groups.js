// Telephony groups: members in ring order and wrap-up time; add, edit and remove.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { DeleteButton, ErrorText, Field, useLoad } from './common.js';

export function Groups() {
  const groups = useLoad(() => api.get('/v1/groups'));
  const blank = { id: '', name: '', members: '', wrap_up_s: '0' };
  const [form, setForm] = useState(blank);
  const [editing, setEditing] = useState(null);  // the id of the group in the form, or null for a new one
  const [error, setError] = useState(null);
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    const body = { name: form.name, wrap_up_s: Number(form.wrap_up_s),
      members: form.members.split(',').map((m) => m.trim()).filter(Boolean) };
    try {
      if (editing) await api.patch(`/v1/groups/${encodeURIComponent(editing)}`, body);
      else await api.post('/v1/groups', { id: form.id, ...body });
      setForm(blank);
      setEditing(null);
      groups.reload();
    } catch (err) { setError(err); }
  };
  const edit = (g) => {
    setError(null);
    setEditing(g.id);
    setForm({ id: g.id, name: g.name ?? '', members: g.members.join(', '), wrap_up_s: String(g.wrap_up_s) });
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
        <button type="button" aria-label=${`${t('edit')} ${g.id}`} onClick=${() => edit(g)}>${t('edit')}</button>
        <${DeleteButton} id=${g.id} path=${`/v1/groups/${encodeURIComponent(g.id)}`} onDone=${groups.reload} onError=${setError} /></td></tr>`)}</tbody>
    </table>
    <h2>${editing ? `${t('edit')}: ${editing}` : t('addGroup')}</h2>
    <form class="grid" id="group-form" onSubmit=${save}>
      <${Field} id="group-id" label=${t('id')} value=${form.id} onInput=${set('id')} required disabled=${Boolean(editing)} />
      <${Field} id="group-name" label=${t('name')} value=${form.name} onInput=${set('name')} />
      <${Field} id="group-members" label=${t('members')} value=${form.members} onInput=${set('members')} />
      <${Field} id="group-wrap" type="number" label=${t('wrapUp')} value=${form.wrap_up_s} onInput=${set('wrap_up_s')} min="0" />
      <button type="submit">${editing ? t('save') : t('add')}</button>
      ${editing && html`<button type="button" onClick=${() => { setEditing(null); setForm(blank); }}>${t('cancel')}</button>`}
    </form>
  </section>`;
}
