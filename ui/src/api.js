// The console's one door to the daemon: JSON over /v1 with the tab's key. The key lives in
// sessionStorage, so it is gone when the tab closes and never shared with other tabs.
const KEY = 'callrouter.key';
const ROLE = 'callrouter.role';  // "admin", or "agent" for an agent key's own view

export const session = {
  key: () => sessionStorage.getItem(KEY),
  role: () => (sessionStorage.getItem(ROLE) === 'agent' ? 'agent' : 'admin'),
  signIn: (key, role) => { sessionStorage.setItem(KEY, key); sessionStorage.setItem(ROLE, role); },
  signOut: () => { sessionStorage.removeItem(KEY); sessionStorage.removeItem(ROLE); },
};

// An answer the API refused: its status, error code and message ("state 'menu': field …").
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body, key = session.key()) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) return null;
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    const e = data && data.error ? data.error : { code: `http_${r.status}`, message: text || r.statusText };
    throw new ApiError(r.status, e.code, e.message);
  }
  return data;
}

export const api = {
  get: (path, key) => request('GET', path, undefined, key),
  post: (path, body) => request('POST', path, body ?? {}),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
  // The CSV needs the key in a header, so it is fetched and handed to the browser as a file.
  async download(path, fallbackName) {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${session.key()}` } });
    if (!r.ok) {
      const data = await r.json().catch(() => null);
      throw new ApiError(r.status, data?.error?.code ?? 'error', data?.error?.message ?? r.statusText);
    }
    const blob = await r.blob();
    const name = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '')?.[1] ?? fallbackName;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return name;
  },
};

// Builds "?a=1&b=2" from the filled fields of an object.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
