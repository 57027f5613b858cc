// What the designer knows of flow definitions (docs/flows.md): the state types, the settings each
// edits, the exits each has, a fresh state of a type, and a layout for flows saved without one.
// Pure functions on plain definition objects; the API stays the judge of what is valid.

// Settings: `path` into the state, `kind` of editor. Only what a newcomer needs at once; a
// state's other fields (set through the API) are kept untouched.
export const stateTypes = {
  say: { fields: [{ path: 'say.text', kind: 'text' }, { path: 'say.language', kind: 'text' }, { path: 'loop', kind: 'number' }],
    exits: ['next'], fresh: () => ({ say: { text: 'Hello.' } }) },
  menu: { fields: [{ path: 'prompt.text', kind: 'text' }, { path: 'prompt.language', kind: 'text' },
    { path: 'timeout_s', kind: 'number' }, { path: 'attempts', kind: 'number' }],
    exits: ['on.no_input', 'on.invalid'], options: true, fresh: () => ({ prompt: { text: 'Press 1.' }, options: {} }) },
  business_hours: { fields: [{ path: 'timezone', kind: 'text' }, { path: 'weekly', kind: 'json' }, { path: 'closed_dates', kind: 'json' }],
    exits: ['on.open', 'on.closed'],
    fresh: () => ({ timezone: 'Asia/Tokyo', weekly: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']],
      thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] } }) },
  branch: { fields: [{ path: 'rules', kind: 'json' }], exits: ['default'], fresh: () => ({ rules: [] }) },
  ring_user: { fields: [{ path: 'user', kind: 'user' }, { path: 'ring_timeout_s', kind: 'number' }, { path: 'record', kind: 'bool' }],
    exits: ['on.no_answer', 'on.busy', 'on.unavailable', 'on.queue_full', 'on.timeout', 'on.completed'], fresh: () => ({ user: '' }) },
  ring_group: { fields: [{ path: 'group', kind: 'group' },
    { path: 'strategy', kind: 'choice', choices: ['parallel', 'sequential', 'round_robin', 'longest_idle', 'fewest_calls', 'least_talk_time', 'top_down', 'random'] },
    { path: 'ring_timeout_s', kind: 'number' }, { path: 'max_rounds', kind: 'number' }, { path: 'record', kind: 'bool' }],
    exits: ['on.no_answer', 'on.queue_full', 'on.timeout', 'on.completed'], fresh: () => ({ group: '' }) },
  voicemail: { fields: [{ path: 'greeting.text', kind: 'text' }, { path: 'max_length_s', kind: 'number' }, { path: 'transcribe', kind: 'bool' }],
    exits: ['next'], fresh: () => ({ greeting: { text: 'Please leave a message after the tone.' } }) },
  forward: { fields: [{ path: 'number', kind: 'text' }, { path: 'caller_id', kind: 'text' }, { path: 'timeout_s', kind: 'number' }],
    exits: ['on.completed', 'on.no_answer', 'on.busy', 'on.failed'], fresh: () => ({ number: '', caller_id: 'caller' }) },
  hangup: { fields: [], exits: [], fresh: () => ({}) },
  reject: { fields: [{ path: 'reason', kind: 'choice', choices: ['rejected', 'busy'] }], exits: [], fresh: () => ({}) },
};

export function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

// A copy of `obj` with `path` set (or removed when `value` is undefined); emptied objects go too.
export function setPath(obj, path, value) {
  const [head, ...rest] = path.split('.');
  const copy = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head]; else copy[head] = value;
    return copy;
  }
  const inner = setPath(copy[head] ?? {}, rest.join('.'), value);
  if (Object.keys(inner).length === 0 && value === undefined) delete copy[head]; else copy[head] = inner;
  return copy;
}

// Every exit of a state as [path, target]: fixed exits of its type, then its menu options.
export function exitsOf(state) {
  const type = stateTypes[state.type];
  if (!type) return [];
  const fixed = type.exits.map((p) => [p, getPath(state, p) ?? '']);
  const options = type.options ? Object.entries(state.options ?? {}).map(([k, v]) => [`options.${k}`, v]) : [];
  return [...options, ...fixed];
}

// A state id not yet used: the type's name, then name_2, name_3…
export function freshId(definition, type) {
  const used = new Set(definition.states.map((s) => s.id));
  if (!used.has(type)) return type;
  for (let n = 2; ; ++n) if (!used.has(`${type}_${n}`)) return `${type}_${n}`;
}

// Renames a state and every exit and the start that point at it.
export function renameState(definition, from, to) {
  const retarget = (v) => (v === from ? to : v);
  const states = definition.states.map((s) => {
    let next = s.id === from ? { ...s, id: to } : { ...s };
    for (const [path, target] of exitsOf(s)) if (target === from) next = setPath(next, path, to);
    return next;
  });
  return { ...definition, start: retarget(definition.start), states };
}

// Columns by distance from the start (breadth first), rows in order of discovery; states no exit
// reaches go in a last column. For flows written through the API, which carry no positions.
export function autoLayout(definition) {
  const byId = new Map(definition.states.map((s) => [s.id, s]));
  const depth = new Map();
  const order = [];
  const queue = definition.start && byId.has(definition.start) ? [definition.start] : [];
  if (queue.length) depth.set(definition.start, 0);
  while (queue.length) {
    const id = queue.shift();
    order.push(id);
    for (const [, target] of exitsOf(byId.get(id))) {
      if (target && byId.has(target) && !depth.has(target)) {
        depth.set(target, depth.get(id) + 1);
        queue.push(target);
      }
    }
  }
  const last = Math.max(-1, ...depth.values()) + 1;
  for (const s of definition.states) if (!depth.has(s.id)) { depth.set(s.id, last); order.push(s.id); }
  const rows = new Map();
  const positions = {};
  for (const id of order) {
    const col = depth.get(id);
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    positions[id] = { x: 20 + col * 230, y: 20 + row * 150 };
  }
  return positions;
}

// Where a validation message points: "state 'menu': field 'options.3': no state 'x'" →
// {state: 'menu', field: 'options.3'}. Messages without a state name the flow as a whole.
export function errorLocation(message) {
  const state = /state '([^']*)'/.exec(message)?.[1] ?? null;
  const field = /field '([^']*)'/.exec(message)?.[1] ?? null;
  return { state, field };
}
