// How numbers, money, durations and times are shown.
const integer = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const fmtInt = (n) => (n === null || n === undefined ? '—' : integer.format(n));

export const fmtCompact = (n) => (n === null || n === undefined ? '—' : Math.abs(n) < 10_000 ? integer.format(Math.round(n)) : compact.format(n));

const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** US dollars: cents from a dollar up, two significant digits for the fractions of a cent of one request. */
export function fmtCost(n) {
  if (n === null || n === undefined) return '—';
  if (n === 0) return '$0';
  if (n < 0.000001) return '<$0.000001';
  if (n >= 1) return `$${dollars.format(n)}`;
  const [whole, fraction = ''] = Number(n.toPrecision(2)).toFixed(8).replace(/0+$/, '').split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

export function fmtMs(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
  return `${(n / 60_000).toFixed(1)} min`;
}

export const fmtPercent = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`);

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export const fmtDateTime = (ms) => (ms === null || ms === undefined ? '—' : dateTime.format(new Date(ms)));
export const fmtTime = (ms) => (ms === null || ms === undefined ? '—' : timeOnly.format(new Date(ms)));

/** A `datetime-local` input's value for a time in ms, and back (local time, to the minute). */
export function toLocalInput(ms) {
  if (ms === null || ms === undefined || ms === '') return '';
  const d = new Date(Number(ms));
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  if (!value) return '';
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? String(ms) : '';
}

/** A body as stored, made readable: JSON indented, an SSE stream's JSON events each indented. */
export function prettyBody(text) {
  if (!text) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { /* not one JSON value */ }
  if (/^(data|event):/m.test(text)) {
    return text.split(/\r?\n/).map((line) => {
      const m = /^data: ?(.*)$/.exec(line);
      if (!m) return line;
      try { return `data: ${JSON.stringify(JSON.parse(m[1]), null, 2)}`; } catch { return line; }
    }).join('\n');
  }
  return text;
}
