// Telephony users: every field of the seed, filtered by group; add, edit and remove.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { dash } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { DeleteButton, ErrorText, Field, Select, useLoad } from './common.js';

const blank = { id: '', name: '', client: '', phone: '', groups: '', allow_outgoing: false, record_outgoing: false,
  caller_id: '', allow_custom_caller_id: false };

// The form's strings as the API's body, groups as a list. A new user leaves empty optional fields
// out; an edit sends them as null, which clears them (PATCH keeps fields it is not given).
function toBody(u, editing) {
  const body = { name: u.name, allow_outgoing: u.allow_outgoing, record_outgoing: u.record_outgoing,
    allow_custom_caller_id: u.allow_custom_caller_id };
  if (!editing) body.id = u.id;
  for (const k of ['client', 'phone', 'caller_id']) if (u[k] || editing) body[k] = u[k] || null;
  body.groups = u.groups.split(',').map((g) => g.trim()).filter(Boolean);
  return body;
}

const toForm = (u) => ({ ...blank, ...u, client: u.client ?? '', phone: u.phone ?? '', caller_id: u.caller_id ?? '',
  groups: u.groups.join(', ') });

export function Users() {
  // A group's "users" link on the Groups screen opens this one filtered by it.
  const [group, setGroup] = useState(sessionStorage.getItem('callrouter.users.group') ?? '');
  sessionStorage.removeItem('callrouter.users.group');
  const users = useLoad(() => api.get(`/v1/users${query({ group })}`), [group]);
  const groups = useLoad(() => api.get('/v1/groups'));
  const [form, setForm] = useState(blank);
  const [editing, setEditing] = useState(null);  // the id of the user in the form, or null for a new one
  const [error, setError] = useState(null);
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const yes = (b) => (b ? '✓' : '—');
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      if (editing) await api.patch(`/v1/users/${encodeURIComponent(editing)}`, toBody(form, true));
      else await api.post('/v1/users', toBody(form, false));
      setForm(blank);
      setEditing(null);
      users.reload();
    } catch (err) { setError(err); }
  };
  const edit = (u) => {
    setError(null);
    setEditing(u.id);
    setForm(toForm(u));
    document.getElementById('user-form-title')?.scrollIntoView();
  };
  return html`<section aria-labelledby="users-title">
    <h1 id="users-title">${t('users')}</h1>
    <${Select} id="users-group" label=${t('group')} value=${group} onChange=${setGroup}
      options=${[['', t('allGroups')], ...(groups.data?.groups ?? []).map((g) => [g.id, g.name || g.id])]} />
    <${ErrorText} error=${error || users.error} />
    <table>
      <thead><tr>${['id', 'name', 'group', 'client', 'phone', 'allowOutgoing', 'recordOutgoing', 'callerId', 'customCallerId', 'presence']
        .map((k) => html`<th scope="col">${t(k)}</th>`)}<th scope="col"></th></tr></thead>
      <tbody>${(users.data?.users ?? []).map((u) => html`<tr>
        <td>${u.id}</td><td class="user-name">${u.name}</td><td>${u.groups.join(', ')}</td><td>${dash(u.client)}</td><td>${dash(u.phone)}</td>
        <td>${yes(u.allow_outgoing)}</td><td>${yes(u.record_outgoing)}</td><td>${dash(u.caller_id)}</td>
        <td>${yes(u.allow_custom_caller_id)}</td><td>${u.presence}</td>
        <td><button type="button" aria-label=${`${t('edit')} ${u.id}`} onClick=${() => edit(u)}>${t('edit')}</button>
        <${DeleteButton} id=${u.id} path=${`/v1/users/${encodeURIComponent(u.id)}`} onDone=${users.reload} onError=${setError} /></td></tr>`)}</tbody>
    </table>
    <h2 id="user-form-title">${editing ? `${t('edit')}: ${editing}` : t('addUser')}</h2>
    <form class="grid" id="user-form" onSubmit=${save}>
      <${Field} id="user-id" label=${t('id')} value=${form.id} onInput=${set('id')} required pattern="[a-z0-9_-]+" disabled=${Boolean(editing)} />
      <${Field} id="user-name" label=${t('name')} value=${form.name} onInput=${set('name')} />
      <${Field} id="user-groups" label=${t('group')} value=${form.groups} onInput=${set('groups')} />
      <${Field} id="user-client" label=${t('client')} value=${form.client} onInput=${set('client')} />
      <${Field} id="user-phone" label=${t('phone')} value=${form.phone} onInput=${set('phone')} />
      <${Field} id="user-caller-id" label=${t('callerId')} value=${form.caller_id} onInput=${set('caller_id')} />
      <${Field} id="user-outgoing" type="checkbox" label=${t('allowOutgoing')} value=${form.allow_outgoing} onInput=${set('allow_outgoing')} />
      <${Field} id="user-record" type="checkbox" label=${t('recordOutgoing')} value=${form.record_outgoing} onInput=${set('record_outgoing')} />
      <${Field} id="user-custom" type="checkbox" label=${t('customCallerId')} value=${form.allow_custom_caller_id} onInput=${set('allow_custom_caller_id')} />
      <button type="submit">${editing ? t('save') : t('add')}</button>
      ${editing && html`<button type="button" onClick=${() => { setEditing(null); setForm(blank); }}>${t('cancel')}</button>`}
    </form>
  </section>`;
}
