// The settings a gateway and a virtual key share (cache TTL, logging, retries), as form fields.
// An empty field inherits (sent as null), following the order request header > virtual key >
// gateway > Worker variables.
import { html } from '../html.js';

const RETRY = [
  ['maxAttempts', 'Max attempts', 'number'],
  ['retryDelay', 'Retry delay (ms)', 'number'],
  ['requestTimeout', 'Request timeout (ms)', 'number'],
];

const flag = (v) => (v === true ? 'true' : v === false ? 'false' : '');

/** Form state from a record's `defaults`. */
export function overridesState(defaults = {}) {
  const retry = defaults.retry ?? {};
  return {
    cache_ttl: defaults.cache_ttl ?? '',
    collect_logs: flag(defaults.collect_logs),
    collect_log_payloads: flag(defaults.collect_log_payloads),
    maxAttempts: retry.maxAttempts ?? '',
    retryDelay: retry.retryDelay ?? '',
    requestTimeout: retry.requestTimeout ?? '',
    backoff: retry.backoff ?? '',
  };
}

const num = (v) => (v === '' || v === null ? null : Number(v));
const bool = (v) => (v === '' ? null : v === 'true');

/** The body fields of the form state. */
export function overridesBody(s) {
  const retry = Object.fromEntries(
    [...RETRY.map(([k]) => [k, num(s[k])]), ['backoff', s.backoff || null]].filter(([, v]) => v !== null),
  );
  return {
    cache_ttl: num(s.cache_ttl),
    collect_logs: bool(s.collect_logs),
    collect_log_payloads: bool(s.collect_log_payloads),
    retry: Object.keys(retry).length ? retry : null,
  };
}

export function OverrideFields({ state, set, prefix }) {
  const id = (k) => `${prefix}-${k}`;
  const input = (k) => ({ id: id(k), value: state[k], onInput: (e) => set({ ...state, [k]: e.target.value }) });
  const tri = (k, label) => html`<div class="field"><label for=${id(k)}>${label}</label>
    <select ...${input(k)} onChange=${(e) => set({ ...state, [k]: e.target.value })}>
      <option value="">Inherit</option><option value="true">On</option><option value="false">Off</option>
    </select></div>`;
  return html`<fieldset class="grid-2">
    <legend>Settings (empty inherits)</legend>
    <div class="field"><label for=${id('cache_ttl')}>Cache TTL (seconds; 0 turns caching off)</label>
      <input type="number" min="0" max="2592000" ...${input('cache_ttl')} /></div>
    ${tri('collect_logs', 'Log requests')}
    ${tri('collect_log_payloads', 'Log bodies')}
    ${RETRY.map(([k, label]) => html`<div class="field"><label for=${id(k)}>${label}</label><input type="number" min="0" ...${input(k)} /></div>`)}
    <div class="field"><label for=${id('backoff')}>Backoff</label>
      <select ...${input('backoff')} onChange=${(e) => set({ ...state, backoff: e.target.value })}>
        <option value="">Inherit</option><option value="constant">Constant</option><option value="linear">Linear</option><option value="exponential">Exponential</option>
      </select></div>
  </fieldset>`;
}

/** A short text of a record's settings for a table cell. */
export function overridesSummary(defaults = {}) {
  const parts = [];
  if (defaults.cache_ttl !== undefined && defaults.cache_ttl !== null) parts.push(defaults.cache_ttl === 0 ? 'no cache' : `cache ${defaults.cache_ttl}s`);
  if (defaults.collect_logs === false) parts.push('logs off');
  if (defaults.collect_log_payloads === false) parts.push('bodies off');
  const r = defaults.retry ?? {};
  if (Object.keys(r).length) parts.push(`retry ${r.maxAttempts ?? '·'}×${r.backoff ? ` ${r.backoff}` : ''}`);
  return parts.join(', ') || 'inherited';
}
