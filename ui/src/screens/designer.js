// The flow designer: a palette of state types dragged onto a canvas, exits connected by dragging
// from a state's exit to another state, a side panel for the selected state, and save draft /
// compare / publish against the API, whose validation errors are shown on the state and field
// they name. Every drag has a keyboard path too: palette buttons add on press, exits are selects.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { autoLayout, errorLocation, exitsOf, freshId, getPath, renameState, setPath, stateTypes } from '../flow_model.js';
import { ErrorText, Loading, Notice, useLoad } from './common.js';
import { FlowDiff } from './flow_diff.js';

const NODE_W = 190;
const HEAD_H = 30;
const ROW_H = 22;

const layoutKey = (id) => `callrouter.layout.${id}`;

export function Designer({ id }) {
  const flow = useLoad(() => api.get(`/v1/flows/${encodeURIComponent(id)}`), [id]);
  const users = useLoad(() => api.get('/v1/users'));
  const groups = useLoad(() => api.get('/v1/groups'));
  if (flow.loading && !flow.data) return html`<${Loading} />`;
  if (flow.error) return html`<${ErrorText} error=${flow.error} />`;
  return html`<${Editor} flow=${flow.data} reload=${flow.reload}
    users=${users.data?.users ?? []} groups=${groups.data?.groups ?? []} />`;
}

function Editor({ flow, reload, users, groups }) {
  const [def, setDef] = useState(() => ({ states: [], ...flow.draft, name: flow.draft?.name ?? flow.name }));
  const [positions, setPositions] = useState(() => {
    const saved = JSON.parse(localStorage.getItem(layoutKey(flow.id)) || '{}');
    return { ...autoLayout({ states: [], ...flow.draft }), ...saved };
  });
  const [selected, setSelected] = useState(null);
  const [errors, setErrors] = useState([]);
  const [notice, setNotice] = useState('');
  const [failure, setFailure] = useState(null);
  const [drag, setDrag] = useState(null);
  const [diff, setDiff] = useState(null);
  const canvas = useRef(null);

  useEffect(() => localStorage.setItem(layoutKey(flow.id), JSON.stringify(positions)), [positions]);

  const change = (next) => { setDef(next); setNotice(''); };
  const updateState = (sid, fn) => change({ ...def, states: def.states.map((s) => (s.id === sid ? fn(s) : s)) });
  const addState = (type, at) => {
    const sid = freshId(def, type);
    const count = def.states.length;
    const pos = at ?? { x: 20 + (count % 4) * 230, y: 20 + Math.floor(count / 4) * 150 };
    setPositions({ ...positions, [sid]: pos });
    change({ ...def, start: def.start || sid, states: [...def.states, { id: sid, type, ...stateTypes[type].fresh() }] });
    setSelected(sid);
  };
  const connect = (from, path, target) => updateState(from, (s) => setPath(s, path, target || (path.startsWith('options.') ? '' : undefined)));

  // One pointer drag at a time: a new state from the palette, a state moved, or an exit linked.
  // The window listeners are added in the pointerdown handler itself (an effect would run after
  // the next paint, and a quick press could release before it listens); they read the latest
  // render's values through `latest`.
  const latest = useRef(null);
  latest.current = { addState, connect };
  const beginDrag = (start) => {
    let current = start;
    setDrag(current);
    const move = (e) => {
      if (current.kind === 'move') {
        const rect = canvas.current.getBoundingClientRect();
        setPositions((p) => ({ ...p, [current.id]: { x: Math.max(0, e.clientX - rect.left + canvas.current.scrollLeft - current.dx),
          y: Math.max(0, e.clientY - rect.top + canvas.current.scrollTop - current.dy) } }));
      }
      current = { ...current, x: e.clientX, y: e.clientY };
      setDrag(current);
    };
    const up = (e) => {
      removeEventListener('pointermove', move);
      removeEventListener('pointerup', up);
      const rect = canvas.current.getBoundingClientRect();
      const inside = e.clientX >= rect.left && e.clientX <= rect.right && e.clientY >= rect.top && e.clientY <= rect.bottom;
      if (current.kind === 'new' && inside) {
        latest.current.addState(current.type, { x: Math.max(0, Math.round(e.clientX - rect.left + canvas.current.scrollLeft - NODE_W / 2)),
          y: Math.max(0, Math.round(e.clientY - rect.top + canvas.current.scrollTop - HEAD_H / 2)) });
      } else if (current.kind === 'link') {
        const target = document.elementFromPoint(e.clientX, e.clientY)?.closest('[data-state]')?.dataset.state;
        if (target) latest.current.connect(current.from, current.path, target);
      }
      setDrag(null);
    };
    addEventListener('pointermove', move);
    addEventListener('pointerup', up);
  };

  const save = async () => {
    setErrors([]);
    setFailure(null);
    try {
      const saved = await api.put(`/v1/flows/${encodeURIComponent(flow.id)}/draft`, def);
      setNotice(`${t('saved')}${saved.warnings?.length ? ` — ${t('warnings')}: ${saved.warnings.join('; ')}` : ''}`);
      return true;
    } catch (e) {
      if (e.status !== 422) { setFailure(e); return false; }
      const where = errorLocation(e.message);
      setErrors([{ ...where, message: e.message }]);
      if (where.state) setSelected(where.state);
      return false;
    }
  };
  const publish = async () => {
    if (!(await save())) return;
    try {
      const published = await api.post(`/v1/flows/${encodeURIComponent(flow.id)}/publish`);
      setNotice(`${t('publishedOk')}: ${published.published?.version ?? published.version ?? ''}`);
      setDiff(null);
      reload();
    } catch (e) {
      const where = errorLocation(e.message);
      setErrors([{ ...where, message: e.message }]);
      if (where.state) setSelected(where.state);
    }
  };
  const compare = async () => {
    if (!(await save())) return;
    try {
      const [d, latest] = await Promise.all([api.get(`/v1/flows/${encodeURIComponent(flow.id)}/diff`),
        api.get(`/v1/flows/${encodeURIComponent(flow.id)}`)]);
      setDiff({ diff: d, published: latest.published?.definition ?? null, draft: latest.draft });
    } catch (e) { setFailure(e); }
  };

  const byId = new Map(def.states.map((s) => [s.id, s]));
  const flowErrors = errors.filter((e) => !e.state || !byId.has(e.state));
  const sel = selected && byId.get(selected);
  const size = Object.values(positions).reduce((m, p) => ({ w: Math.max(m.w, p.x + NODE_W + 40), h: Math.max(m.h, p.y + 260) }), { w: 900, h: 500 });

  return html`<section class="designer" aria-labelledby="designer-title">
    <p><a href="#/flows">← ${t('back')}</a></p>
    <h1 id="designer-title">${t('flows')}: ${flow.name || flow.id}</h1>
    <div class="toolbar">
      <button type="button" id="save-draft" onClick=${save}>${t('saveDraft')}</button>
      <button type="button" id="compare" onClick=${compare}>${t('diff')}</button>
      <button type="button" id="publish" onClick=${publish}>${t('publish')}</button>
      <span>${t('published')}: ${flow.published ? `v${flow.published.version}` : t('notPublished')}</span>
    </div>
    <${Notice} text=${notice} /><${ErrorText} error=${failure} />
    ${flowErrors.map((e) => html`<p class="error" role="alert">${e.message}</p>`)}
    <div class="workspace">
      <aside class="palette" aria-label=${t('palette')}>
        <h2>${t('palette')}</h2>
        <p class="help">${t('dragHint')}</p>
        ${Object.keys(stateTypes).map((type) => html`<button type="button" class="palette-item" data-type=${type}
          onPointerDown=${(e) => { e.preventDefault(); beginDrag({ kind: 'new', type, x: e.clientX, y: e.clientY }); }}
          onClick=${() => addState(type)}>${type}</button>`)}
      </aside>
      <div class="canvas" ref=${canvas} role="region" aria-label=${t('canvas')} tabindex="0">
        <svg class="edges" width=${size.w} height=${size.h} aria-hidden="true">
          ${def.states.flatMap((s) => exitsOf(s).map(([path, target], i) => {
            const from = positions[s.id];
            const to = positions[target];
            if (!from || !to || !byId.has(target)) return null;
            const x1 = from.x + NODE_W, y1 = from.y + HEAD_H + i * ROW_H + ROW_H / 2, x2 = to.x, y2 = to.y + HEAD_H / 2;
            return html`<path key=${`${s.id}:${path}`} d=${`M${x1},${y1} C${x1 + 60},${y1} ${x2 - 60},${y2} ${x2},${y2}`} />`;
          }))}
          ${drag?.kind === 'link' && canvas.current && (() => {
            const rect = canvas.current.getBoundingClientRect();
            const from = positions[drag.from];
            const i = exitsOf(byId.get(drag.from)).findIndex(([p]) => p === drag.path);
            return html`<line class="pending" x1=${from.x + NODE_W} y1=${from.y + HEAD_H + i * ROW_H + ROW_H / 2}
              x2=${drag.x - rect.left + canvas.current.scrollLeft} y2=${drag.y - rect.top + canvas.current.scrollTop} />`;
          })()}
        </svg>
        <div class="sizer" style=${{ width: `${size.w}px`, height: `${size.h}px` }}></div>
        ${def.states.map((s) => html`<${StateNode} key=${s.id} state=${s} pos=${positions[s.id] ?? { x: 0, y: 0 }}
          start=${def.start === s.id} selected=${selected === s.id} exists=${(id) => byId.has(id)}
          error=${errors.some((e) => e.state === s.id)} onSelect=${() => setSelected(s.id)}
          onMoveStart=${(e) => {
            const p = positions[s.id] ?? { x: 0, y: 0 };
            const rect = canvas.current.getBoundingClientRect();
            beginDrag({ kind: 'move', id: s.id, dx: e.clientX - rect.left + canvas.current.scrollLeft - p.x,
              dy: e.clientY - rect.top + canvas.current.scrollTop - p.y });
          }}
          onLinkStart=${(path, e) => beginDrag({ kind: 'link', from: s.id, path, x: e.clientX, y: e.clientY })} />`)}
      </div>
      <aside class="panel" aria-label=${t('settings')}>
        ${sel ? html`<${StatePanel} state=${sel} def=${def} users=${users} groups=${groups}
            errors=${errors.filter((e) => e.state === sel.id)}
            onChange=${(fn) => updateState(sel.id, fn)} onConnect=${(path, target) => connect(sel.id, path, target)}
            onRename=${(to) => {
              if (!to || byId.has(to)) return;
              change(renameState(def, sel.id, to));
              setPositions({ ...positions, [to]: positions[sel.id] });
              setSelected(to);
            }}
            onStart=${() => change({ ...def, start: sel.id })}
            onDelete=${() => { change({ ...def, states: def.states.filter((x) => x.id !== sel.id), start: def.start === sel.id ? '' : def.start }); setSelected(null); }} />`
          : html`<p>${t('noSelection')}</p>`}
      </aside>
    </div>
    ${drag?.kind === 'new' && html`<div class="ghost" style=${{ left: `${drag.x - 40}px`, top: `${drag.y - 12}px` }}>${drag.type}</div>`}
    ${diff && html`<${FlowDiff} ...${diff} />`}
  </section>`;
}

function StateNode({ state, pos, start, selected, error, exists, onSelect, onMoveStart, onLinkStart }) {
  const cls = ['node', selected && 'selected', error && 'has-error', start && 'start'].filter(Boolean).join(' ');
  return html`<div class=${cls} data-state=${state.id} style=${{ left: `${pos.x}px`, top: `${pos.y}px`, width: `${NODE_W}px` }}>
    <button type="button" class="node-head"
      onPointerDown=${(e) => { e.preventDefault(); onSelect(); onMoveStart(e); }} onClick=${onSelect}>
      <strong>${state.id}</strong> <small>${state.type}${start ? ' ▶' : ''}</small>
    </button>
    ${exitsOf(state).map(([path, target]) => html`<div class=${`exit${target && !exists(target) || target === '' && path.startsWith('options.') ? ' dangling' : ''}`}>
      <span>${path.replace(/^on\./, '')}</span><span class="target">${target ? `→ ${target}` : ''}</span>
      <button type="button" class="port" data-exit=${path} aria-label=${`${state.id} ${path}`} tabindex="-1"
        onPointerDown=${(e) => { e.preventDefault(); e.stopPropagation(); onLinkStart(path, e); }}></button>
    </div>`)}
  </div>`;
}

// The side panel: the selected state's settings, menu options and exits, each with the
// validation error that names it.
function StatePanel({ state, def, users, groups, errors, onChange, onConnect, onRename, onStart, onDelete }) {
  const type = stateTypes[state.type] ?? { fields: [], exits: [] };
  const errorFor = (path) => errors.filter((e) => e.field === path || e.field?.startsWith(`${path}.`));
  const shown = new Set();
  const fieldError = (path) => {
    const list = errorFor(path);
    list.forEach((e) => shown.add(e));
    return list.map((e) => html`<span class="field-error" role="alert">${e.message}</span>`);
  };
  const targets = [['', t('none')], ...def.states.filter((s) => s.id !== state.id || true).map((s) => [s.id, s.id])];
  const stateSelect = (id, path, value) => html`<select id=${id} value=${value}
    onChange=${(e) => onConnect(path, e.target.value)}>${targets.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    ${value && !def.states.some((s) => s.id === value) && html`<option value=${value}>${value} ?</option>`}</select>`;

  const editors = type.fields.map((f) => {
    const id = `field-${f.path.replace(/\./g, '-')}`;
    const value = getPath(state, f.path);
    const set = (v) => onChange((s) => setPath(s, f.path, v));
    let input;
    if (f.kind === 'bool') {
      input = html`<input id=${id} type="checkbox" checked=${Boolean(value)} onChange=${(e) => set(e.target.checked || undefined)} />`;
    } else if (f.kind === 'number') {
      input = html`<input id=${id} type="number" value=${value ?? ''} onInput=${(e) => set(e.target.value === '' ? undefined : Number(e.target.value))} />`;
    } else if (f.kind === 'json') {
      input = html`<textarea id=${id} rows="4" onChange=${(e) => {
        try { set(e.target.value.trim() ? JSON.parse(e.target.value) : undefined); e.target.setCustomValidity(''); } catch (err) { e.target.setCustomValidity(err.message); e.target.reportValidity(); }
      }}>${value === undefined ? '' : JSON.stringify(value)}</textarea>`;
    } else if (f.kind === 'choice' || f.kind === 'user' || f.kind === 'group') {
      const choices = f.kind === 'user' ? users.map((u) => [u.id, `${u.name || u.id} (${u.id})`])
        : f.kind === 'group' ? groups.map((g) => [g.id, `${g.name || g.id} (${g.id})`]) : f.choices.map((c) => [c, c]);
      input = html`<select id=${id} value=${value ?? ''} onChange=${(e) => set(e.target.value || undefined)}>
        <option value="">—</option>${choices.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`;
    } else {
      input = html`<input id=${id} type="text" value=${value ?? ''} onInput=${(e) => set(e.target.value === '' ? undefined : e.target.value)} />`;
    }
    return html`<div class=${`field${errorFor(f.path).length ? ' invalid' : ''}`}><label for=${id}>${f.path}</label>${input}${fieldError(f.path)}</div>`;
  });

  const options = type.options ? Object.entries(state.options ?? {}) : [];
  const optionRows = options.map(([key, target]) => {
    const path = `options.${key}`;
    return html`<div class=${`field option${errorFor(path).length ? ' invalid' : ''}`} data-option=${key}>
      <label for=${`option-${key}`}>${t('key')} ${key} ${t('target')}</label>${stateSelect(`option-${key}`, path, target)}
      <button type="button" aria-label=${`${t('delete')} ${key}`} onClick=${() => onChange((s) => {
        const rest = { ...s.options };
        delete rest[key];
        return { ...s, options: rest };
      })}>×</button>${fieldError(path)}</div>`;
  });
  const exits = type.exits.map((path) => {
    const id = `exit-${path.replace(/\./g, '-')}`;
    return html`<div class=${`field${errorFor(path).length ? ' invalid' : ''}`}><label for=${id}>${path}</label>
      ${stateSelect(id, path, getPath(state, path) ?? '')}${fieldError(path)}</div>`;
  });
  const rest = errors.filter((e) => !shown.has(e));

  return html`<div class="state-panel">
    <h2>${t('settings')}: ${state.id}</h2>
    ${rest.map((e) => html`<p class="error" role="alert">${e.message}</p>`)}
    <div class="field"><label for="state-id">${t('id')}</label>
      <input id="state-id" value=${state.id} pattern="[a-z0-9_-]{1,64}" onChange=${(e) => onRename(e.target.value.trim())} /></div>
    <p>${t('type')}: <code>${state.type}</code></p>
    ${editors}
    ${type.options && html`<h3>menu options</h3>${optionRows}
      <button type="button" id="add-option" onClick=${() => onChange((s) => {
        const used = new Set(Object.keys(s.options ?? {}));
        const key = '1234567890*#'.split('').find((k) => !used.has(k));
        return key ? { ...s, options: { ...s.options, [key]: '' } } : s;
      })}>${t('addOption')}</button>`}
    ${type.exits.length > 0 && html`<h3>${t('exits')}</h3>${exits}`}
    <p class="row"><button type="button" onClick=${onStart} disabled=${def.start === state.id}>${t('setStart')}</button>
      <button type="button" onClick=${onDelete}>${t('deleteState')}</button></p>
  </div>`;
}
