// Display formats: money is integer micro-credits (1 credit = 1 USD = 1,000,000 micro).
export const credits = (micro) => (micro === null || micro === undefined ? '—' : (micro / 1e6).toFixed(2));
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
