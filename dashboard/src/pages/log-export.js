// Export of every entry matching the filters, page by page through the API's cursor, as one file:
// JSON Lines, CSV, or OpenAI chat fine-tuning JSONL (`format=finetune`, successful entries only).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, queryString } from '../api.js';
import { Dialog } from '../ui/dialog.js';
import { ErrorNote } from '../ui/states.js';
import { fmtInt } from '../format.js';

/** Most rows one export reads, so that a click cannot run for ever. */
export const MAX_EXPORT_ROWS = 20_000;

const FORMATS = {
  jsonl: { label: 'JSON Lines', ext: 'jsonl', limit: 100, extra: { bodies: 'true' } },
  csv: { label: 'CSV', ext: 'csv', limit: 100, extra: { bodies: 'true' } },
  finetune: { label: 'Fine-tuning JSONL (OpenAI chat)', ext: 'jsonl', limit: 100, extra: {} },
};

async function fetchAll(format, filters, onProgress) {
  const spec = FORMATS[format];
  const parts = [];
  let cursor = '';
  let rows = 0;
  let skipped = 0;
  do {
    const res = await api(`/api/logs${queryString({ ...filters, ...spec.extra, format, limit: spec.limit, cursor })}`, { raw: true });
    let text = await res.text();
    // Each CSV page starts with the header row; keep the first one only.
    if (format === 'csv' && parts.length) text = text.slice(text.indexOf('\r\n') + 2);
    parts.push(text);
    rows += text.split('\n').filter((l) => l.trim()).length;
    skipped += Number(res.headers.get('cf-aig-export-skipped') ?? 0);
    cursor = res.headers.get('cf-aig-next-cursor') ?? '';
    onProgress(rows);
  } while (cursor && rows < MAX_EXPORT_ROWS);
  return { blob: new Blob(parts, { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' }), truncated: Boolean(cursor), skipped };
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportDialog({ filters, onClose }) {
  const [format, setFormat] = useState('jsonl');
  const [positiveOnly, setPositiveOnly] = useState(false);
  const [state, setState] = useState({ busy: false, rows: 0, done: null, error: null });
  const start = async (e) => {
    e.preventDefault();
    setState({ busy: true, rows: 0, done: null, error: null });
    try {
      const chosen = format === 'finetune' && positiveOnly ? { ...filters, feedback: '1' } : filters;
      const result = await fetchAll(format, chosen, (rows) => setState((s) => ({ ...s, rows })));
      download(result.blob, `ai-gateway-logs-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}${format === 'finetune' ? '-finetune' : ''}.${FORMATS[format].ext}`);
      setState((s) => ({ ...s, busy: false, done: result }));
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error }));
    }
  };
  return html`<${Dialog} title="Export logs" onClose=${onClose}>
    <form class="dialog-body stack" onSubmit=${start}>
      <p>Exports every entry that matches the current filters, bodies included${Object.keys(filters).length ? '' : ' (no filter: all entries)'}.</p>
      <fieldset>
        <legend>Format</legend>
        ${Object.entries(FORMATS).map(([id, f]) => html`<label class="radio"><input type="radio" name="format" value=${id} checked=${format === id} onChange=${() => setFormat(id)} /> ${f.label}</label>`)}
      </fieldset>
      ${format === 'finetune' && html`<label class="checkbox"><input type="checkbox" checked=${positiveOnly} onChange=${(e) => setPositiveOnly(e.target.checked)} /> Only entries with positive feedback</label>
        <p class="help">One training example per successful chat: the conversation, then the answer as the assistant's last message. Entries that cannot be faithful examples (bodies not kept or cut, not a chat, cut by max_tokens) are left out.</p>`}
      <${ErrorNote} error=${state.error} />
      ${state.busy && html`<p role="status">Read ${fmtInt(state.rows)} lines…</p>`}
      ${state.done && html`<p role="status" class="success-note">Downloaded ${fmtInt(state.rows)} lines${state.done.skipped ? `; ${fmtInt(state.done.skipped)} entries made no example` : ''}${state.done.truncated ? `; stopped at ${fmtInt(MAX_EXPORT_ROWS)} rows, narrow the filters for the rest` : ''}.</p>`}
      <footer class="dialog-actions">
        <button type="button" class="secondary" onClick=${onClose}>Close</button>
        <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? 'Exporting…' : 'Download'}</button>
      </footer>
    </form>
  <//>`;
}
