// The filters of the Logs page: every filter of the logs API, kept in the page's address under the
// API's own parameter names (metadata as `metadata.KEY=value`), so the address is the query.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { fromLocalInput, toLocalInput } from '../format.js';

export const FILTER_NAMES = ['from', 'to', 'gateway', 'provider', 'model', 'status', 'success', 'cache_status', 'virtual_key', 'feedback', 'guardrail', 'q'];

/** The API filters in a route's parameters (paging and view options left out). */
export function filtersOf(params) {
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== '' && (FILTER_NAMES.includes(k) || k.startsWith('metadata.'))));
}

/** `user=ada, team=search` ⇄ `{ 'metadata.user': 'ada', 'metadata.team': 'search' }`. */
export function metadataText(filters) {
  return Object.entries(filters).filter(([k]) => k.startsWith('metadata.')).map(([k, v]) => `${k.slice(9)}=${v}`).join(', ');
}

export function parseMetadataText(text) {
  const out = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`Metadata filters are KEY=value pairs separated by commas; "${pair}" is not one.`);
    out[`metadata.${pair.slice(0, at).trim()}`] = pair.slice(at + 1).trim();
  }
  return out;
}

const SELECTS = {
  success: [['', 'Any'], ['true', 'Succeeded'], ['false', 'Failed']],
  cache_status: [['', 'Any'], ['HIT', 'Hit'], ['MISS', 'Miss'], ['BYPASS', 'Bypass'], ['NONE', 'Not cached']],
  feedback: [['', 'Any'], ['1', 'Positive'], ['-1', 'Negative']],
  guardrail: [['', 'Any'], ['any', 'Any guardrail'], ['block', 'Blocked'], ['flag', 'Flagged'], ['redact', 'Redacted'], ['rewrite', 'Rewritten']],
};

export function LogFilters({ filters, keys, onApply }) {
  const [draft, setDraft] = useState({ ...filters, from: toLocalInput(filters.from), to: toLocalInput(filters.to) });
  const [meta, setMeta] = useState(metadataText(filters));
  const [error, setError] = useState('');
  const field = (name) => ({ id: `f-${name}`, name, value: draft[name] ?? '', onInput: (e) => setDraft({ ...draft, [name]: e.target.value }) });
  const text = (name, label, placeholder = '') => html`<div class="field"><label for=${`f-${name}`}>${label}</label><input type="text" placeholder=${placeholder} ...${field(name)} /></div>`;
  const select = (name, label) => html`<div class="field"><label for=${`f-${name}`}>${label}</label>
    <select ...${field(name)} onChange=${(e) => setDraft({ ...draft, [name]: e.target.value })}>${SELECTS[name].map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></div>`;
  const submit = (e) => {
    e.preventDefault();
    try {
      const metadata = parseMetadataText(meta);
      const plain = Object.fromEntries(FILTER_NAMES.map((k) => [k, draft[k] ?? '']));
      setError('');
      onApply({ ...plain, from: fromLocalInput(draft.from), to: fromLocalInput(draft.to), ...metadata });
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="filters card" onSubmit=${submit} aria-label="Log filters">
    <div class="field"><label for="f-from">From</label><input type="datetime-local" ...${field('from')} /></div>
    <div class="field"><label for="f-to">To</label><input type="datetime-local" ...${field('to')} /></div>
    ${text('gateway', 'Gateway')}
    ${text('provider', 'Provider', 'openai')}
    ${text('model', 'Model', 'gpt-4o-mini')}
    ${text('status', 'Status', '429 or 5xx')}
    ${select('success', 'Outcome')}
    ${select('cache_status', 'Cache')}
    <div class="field"><label for="f-virtual_key">Virtual key</label>
      <input type="text" list="key-ids" placeholder="vk_…" ...${field('virtual_key')} />
      <datalist id="key-ids">${keys.map((k) => html`<option value=${k.id}>${k.name}</option>`)}</datalist></div>
    ${select('feedback', 'Feedback')}
    ${select('guardrail', 'Guardrails')}
    <div class="field"><label for="f-meta">Metadata</label><input id="f-meta" type="text" placeholder="user=ada, team=search" value=${meta} onInput=${(e) => setMeta(e.target.value)} /></div>
    <div class="field wide"><label for="f-q">Search the bodies</label><input type="search" placeholder="text in a request or response" ...${field('q')} /></div>
    ${error && html`<p class="field-error wide" role="alert">${error}</p>`}
    <div class="filter-actions wide">
      <button type="submit" class="primary">Apply filters</button>
      <button type="button" class="secondary" onClick=${() => onApply({})}>Clear</button>
    </div>
  </form>`;
}
