// Logs: the entries matching the filters, newest first, a page at a time through the API's
// cursor; a live tail that reloads the first page every few seconds; export and delete by filter.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, queryString } from '../api.js';
import { navigate } from '../router.js';
import { useApi } from '../ui/use-api.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { Empty, ErrorNote, Loading } from '../ui/states.js';
import { fmtDateTime, fmtInt } from '../format.js';
import { LogFilters, filtersOf } from './log-filters.js';
import { LogTable } from './log-table.js';
import { ExportDialog } from './log-export.js';

/** Entries per page, unless the address says `limit=` (1 to 1000, as the API takes). */
export const PAGE_SIZE = 50;
export const TAIL_EVERY_MS = 3000;

function describe(filters) {
  const parts = Object.entries(filters).map(([k, v]) => (k === 'from' || k === 'to' ? `${k} ${fmtDateTime(Number(v))}` : `${k} = ${v}`));
  return parts.length ? parts.join(', ') : 'none';
}

function DeleteDialog({ filters, onClose, onDeleted }) {
  const everything = Object.keys(filters).length === 0;
  const confirm = async () => {
    // The API refuses an empty filter, so that nobody deletes everything by accident: "everything" is `to=now`.
    const query = everything ? { to: Date.now() } : filters;
    const { deleted } = await api(`/api/logs${queryString(query)}`, { method: 'DELETE' });
    onDeleted(deleted);
  };
  return html`<${ConfirmDialog} title="Delete log entries" confirmLabel=${everything ? 'Delete every entry' : 'Delete matching entries'} onConfirm=${confirm} onClose=${onClose}>
    <p>${everything ? html`<strong>No filter is set: this deletes every log entry.</strong>` : html`Deletes every entry matching: <strong>${describe(filters)}</strong>.`}</p>
    <p>This cannot be undone.</p>
  <//>`;
}

export function Logs({ params }) {
  const filters = filtersOf(params);
  const [cursors, setCursors] = useState([]);
  const [page, setPage] = useState({ data: null, error: null, loading: true });
  const [live, setLive] = useState(params.live === '1');
  const [fresh, setFresh] = useState(new Set());
  const [dialog, setDialog] = useState(null);
  const [notice, setNotice] = useState('');
  const seen = useRef(null);
  const keys = useApi('/api/keys');
  const cursor = cursors[cursors.length - 1] ?? '';
  const limit = Math.min(1000, Math.max(1, Number(params.limit) || PAGE_SIZE));
  const query = queryString({ ...filters, limit, cursor });

  const load = async () => {
    setPage((p) => ({ ...p, loading: true }));
    try {
      const data = await api(`/api/logs${query}`);
      const ids = data.entries.map((e) => e.id);
      // Rows that appeared since the last load of the first page are marked while live.
      setFresh(seen.current && !cursor ? new Set(ids.filter((id) => !seen.current.has(id))) : new Set());
      if (!cursor) seen.current = new Set([...(seen.current ?? []), ...ids]);
      setPage({ data, error: null, loading: false });
    } catch (error) {
      setPage((p) => ({ ...p, error, loading: false }));
    }
  };
  useEffect(() => { load(); }, [query]);
  useEffect(() => {
    if (!live || cursor) return undefined;
    const timer = setInterval(load, TAIL_EVERY_MS);
    return () => clearInterval(timer);
  }, [live, query]);

  const apply = (next) => navigate('logs', null, { ...next, live: live ? '1' : '', limit: params.limit });
  const toggleLive = (on) => {
    setLive(on);
    if (on) setCursors([]);
  };
  const entries = page.data?.entries ?? [];
  const filtered = Object.keys(filters).length > 0;
  return html`<div class="page">
    <header class="page-head">
      <h1>Logs</h1>
      <div class="actions">
        <label class="switch"><input type="checkbox" role="switch" checked=${live} onChange=${(e) => toggleLive(e.target.checked)} /> Live tail</label>
        <button type="button" class="secondary" onClick=${() => setDialog('export')}>Export…</button>
        <button type="button" class="danger-outline" onClick=${() => setDialog('delete')}>Delete…</button>
      </div>
    </header>
    <details class="filters-box" open=${filtered || undefined}>
      <summary>Filters${filtered ? ` (${Object.keys(filters).length})` : ''}</summary>
      <${LogFilters} key=${JSON.stringify(filters)} filters=${filters} keys=${keys.data?.keys ?? []} onApply=${apply} />
    </details>
    ${notice && html`<p class="success-note" role="status">${notice}</p>`}
    <${ErrorNote} error=${page.error} retry=${load} />
    ${live && !cursor && html`<p class="muted live-note" role="status"><span class="pulse" aria-hidden="true"></span>Live: the newest entries are reloaded every ${TAIL_EVERY_MS / 1000} s.</p>`}
    ${page.loading && !page.data ? html`<${Loading} what="Loading log entries" />`
      : entries.length === 0 && page.data ? html`<${Empty}>${filtered ? html`<p><strong>No entry matches these filters.</strong></p><button type="button" class="secondary" onClick=${() => apply({})}>Clear the filters</button>`
        : html`<p><strong>No requests logged yet.</strong> Every request through the gateway appears here a moment after it ends.</p>`}<//>`
      : html`<${LogTable} entries=${entries} fresh=${fresh} params=${params} />`}
    <nav class="pager" aria-label="Pages of log entries">
      <button type="button" class="secondary" disabled=${!cursors.length} onClick=${() => setCursors(cursors.slice(0, -1))}>← Newer</button>
      <span class="muted">Page ${cursors.length + 1}${entries.length ? ` · ${fmtInt(entries.length)} entries` : ''}</span>
      <button type="button" class="secondary" disabled=${!page.data?.next_cursor} onClick=${() => { setLive(false); setCursors([...cursors, page.data.next_cursor]); }}>Older →</button>
    </nav>
    ${dialog === 'export' && html`<${ExportDialog} filters=${filters} onClose=${() => setDialog(null)} />`}
    ${dialog === 'delete' && html`<${DeleteDialog} filters=${filters} onClose=${() => setDialog(null)}
      onDeleted=${(n) => { setNotice(`Deleted ${fmtInt(n)} entries.`); setCursors([]); load(); }} />`}
  </div>`;
}
