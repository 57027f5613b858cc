// Display formats: money is integer micro-credits (1 credit = 1 USD = 1,000,000 micro).
export const credits = (micro) => (micro === null || micro === undefined ? '—' : (micro / 1e6).toFixed(2));
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
// "12.5" → 12500000: credits typed by a person, read as decimal digits (no float rounding);
// null when it is not a plain amount with at most six decimals.
export function toMicro(text) {
  const m = /^\s*(\d{1,12})(?:\.(\d{0,6}))?\s*$/.exec(text ?? '');
  return m ? Number(m[1]) * 1e6 + Number((m[2] ?? '').padEnd(6, '0')) : null;
}
