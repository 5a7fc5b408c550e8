// Overview: the totals of a time range as figures (one `bucket=all` stats call, so percentiles are
// the range's own) and its series as charts, optionally split by gateway, provider, model or key.
import { useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { queryString } from '../api.js';
import { navigate } from '../router.js';
import { useApi } from '../ui/use-api.js';
import { Chart } from '../ui/chart.js';
import { Empty, ErrorNote, Loading } from '../ui/states.js';
import { fmtCompact, fmtCost, fmtDateTime, fmtInt, fmtMs, fmtPercent, fromLocalInput, toLocalInput } from '../format.js';
import { RANGES, bucketStarts, windowOf } from './ranges.js';
import { groupLabel, groupedCharts, topGroups, totalCharts } from './overview-series.js';

const GROUPS = [
  { id: 'none', label: 'Nothing' },
  { id: 'gateway', label: 'Gateway' },
  { id: 'provider', label: 'Provider' },
  { id: 'model', label: 'Model' },
  { id: 'key', label: 'Virtual key' },
];

const FORMATS = { count: fmtCompact, cost: fmtCost, ms: fmtMs, percent: fmtPercent };

function Figures({ total, query }) {
  const t = total ?? { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost: 0, cost_unknown_requests: 0, cache_hit_rate: 0, latency_p50_ms: 0, latency_p95_ms: 0 };
  const errorRate = t.requests ? t.errors / t.requests : 0;
  const figures = [
    ['requests', 'Requests', fmtInt(t.requests), t.requests, null],
    ['errors', 'Errors', fmtInt(t.errors), t.errors, t.requests ? `${fmtPercent(errorRate)} of requests` : null],
    ['tokens_in', 'Tokens in', fmtInt(t.tokens_in), t.tokens_in, null],
    ['tokens_out', 'Tokens out', fmtInt(t.tokens_out), t.tokens_out, null],
    ['cost', 'Cost', fmtCost(t.cost), t.cost, t.cost_unknown_requests ? `${fmtInt(t.cost_unknown_requests)} unpriced requests` : null],
    ['cache_hit_rate', 'Cache hit rate', fmtPercent(t.cache_hit_rate), t.cache_hit_rate, null],
    ['latency_p50_ms', 'Latency p50', fmtMs(t.latency_p50_ms), t.latency_p50_ms, null],
    ['latency_p95_ms', 'Latency p95', fmtMs(t.latency_p95_ms), t.latency_p95_ms, null],
  ];
  return html`<section class="figures" aria-label="Totals" data-stats-query=${query}>
    ${figures.map(([id, label, text, value, note]) => html`<div class="figure" data-figure=${id} data-value=${String(value)}>
      <div class="figure-label">${label}</div>
      <div class="figure-value">${text}</div>
      ${note && html`<div class="figure-note">${note}</div>`}
    </div>`)}
  </section>`;
}

function Breakdown({ groupBy, points, keyNames }) {
  const rows = [...points].sort((a, b) => b.requests - a.requests);
  const name = GROUPS.find((g) => g.id === groupBy).label;
  return html`<div class="table-wrap"><table class="data breakdown">
    <caption>Totals by ${name.toLowerCase()}</caption>
    <thead><tr><th scope="col">${name}</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Errors</th>
      <th scope="col" class="num">Tokens in</th><th scope="col" class="num">Tokens out</th><th scope="col" class="num">Cost</th>
      <th scope="col" class="num">Cache hits</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th></tr></thead>
    <tbody>${rows.map((p) => html`<tr>
      <th scope="row">${groupLabel(groupBy, p.group, keyNames)}</th><td class="num">${fmtInt(p.requests)}</td><td class="num">${fmtInt(p.errors)}</td>
      <td class="num">${fmtInt(p.tokens_in)}</td><td class="num">${fmtInt(p.tokens_out)}</td><td class="num">${fmtCost(p.cost)}</td>
      <td class="num">${fmtPercent(p.cache_hit_rate)}</td><td class="num">${fmtMs(p.latency_p50_ms)}</td><td class="num">${fmtMs(p.latency_p95_ms)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function Controls({ params, win }) {
  const set = (change) => navigate('overview', null, { ...params, ...change });
  const [from, setFrom] = useState(toLocalInput(params.from));
  const [to, setTo] = useState(toLocalInput(params.to));
  return html`<form class="toolbar" onSubmit=${(e) => { e.preventDefault(); set({ range: 'custom', from: fromLocalInput(from), to: fromLocalInput(to) }); }}>
    <div class="segmented" role="group" aria-label="Time range">
      ${RANGES.map((r) => html`<button type="button" aria-label=${r.label} aria-pressed=${win.range.id === r.id ? 'true' : 'false'}
        onClick=${() => (r.id === 'custom' ? set({ range: 'custom', from: params.from || String(win.from ?? Date.now() - 86_400_000) }) : set({ range: r.id, from: '', to: '' }))}><span class="wide-only">${r.label}</span><span class="narrow-only" aria-hidden="true">${r.short}</span></button>`)}
    </div>
    ${win.range.id === 'custom' && html`<label class="inline">From <input type="datetime-local" value=${from} onInput=${(e) => setFrom(e.target.value)} required /></label>
      <label class="inline">To <input type="datetime-local" value=${to} onInput=${(e) => setTo(e.target.value)} placeholder="now" /></label>
      <button type="submit" class="secondary">Apply</button>`}
    <label class="inline">Split by
      <select value=${params.group || 'none'} onChange=${(e) => set({ group: e.target.value === 'none' ? '' : e.target.value })}>
        ${GROUPS.map((g) => html`<option value=${g.id}>${g.label}</option>`)}
      </select>
    </label>
  </form>`;
}

export function Overview({ params }) {
  const [now, setNow] = useState(Date.now);
  const win = useMemo(() => windowOf(params, now), [params.range, params.from, params.to, now]);
  const groupBy = GROUPS.some((g) => g.id === params.group) ? params.group : 'none';
  const base = win.error ? null : { from: win.from, to: win.to };
  const totalsQuery = base && queryString({ ...base, bucket: 'all' });
  const groupsQuery = base && groupBy !== 'none' && queryString({ ...base, bucket: 'all', group_by: groupBy });
  const seriesQuery = base && queryString({ ...base, bucket: win.bucket.id, group_by: groupBy });
  const totals = useApi(totalsQuery && `/api/stats${totalsQuery}`);
  const byGroup = useApi(groupsQuery ? `/api/stats${groupsQuery}` : null);
  const series = useApi(seriesQuery && `/api/stats${seriesQuery}`);
  const keys = useApi(groupBy === 'key' ? '/api/keys' : null);
  const keyNames = useMemo(() => new Map((keys.data?.keys ?? []).map((k) => [k.id, k.name])), [keys.data]);

  const charts = useMemo(() => {
    if (!series.data || win.error) return null;
    const starts = bucketStarts(win.from, win.to, win.bucket.ms);
    const x = starts.map((t) => t / 1000);
    const points = series.data.series;
    if (groupBy === 'none') return { x, list: totalCharts(points, starts), hidden: 0 };
    const { groups, hidden } = topGroups(points);
    return { x, list: groupedCharts(points, starts, groups, (g) => groupLabel(groupBy, g, keyNames)), hidden };
  }, [series.data, win, groupBy, keyNames]);

  const total = totals.data?.series[0];
  const error = totals.error || series.error || byGroup.error;
  const refresh = () => setNow(Date.now());
  return html`<div class="page">
    <header class="page-head">
      <h1>Overview</h1>
      <button type="button" class="secondary" onClick=${refresh} disabled=${totals.loading || series.loading}>${totals.loading || series.loading ? 'Loading…' : 'Refresh'}</button>
    </header>
    <${Controls} key=${`${params.from}-${params.to}`} params=${params} win=${win} />
    ${win.error ? html`<${ErrorNote} error=${{ status: 400, message: win.error }} />` : html`<p class="muted range-note">
      ${fmtDateTime(win.from)} – ${fmtDateTime(win.to)} · ${win.bucket.id} buckets</p>`}
    <${ErrorNote} error=${error} retry=${refresh} />
    ${!totals.data && totals.loading ? html`<${Loading} what="Loading the totals" />` : totals.data && html`<${Figures} total=${total} query=${totalsQuery} />`}
    ${totals.data && !total && html`<${Empty}><p><strong>No requests in this range.</strong> Send one through the gateway, e.g.</p>
      <pre class="code">curl ${location.origin}/v1/ACCOUNT/my-gateway/openai/chat/completions \\
  -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' \\
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'</pre><//>`}
    ${groupBy !== 'none' && byGroup.data && byGroup.data.series.length > 0 && html`<${Breakdown} groupBy=${groupBy} points=${byGroup.data.series} keyNames=${keyNames} />`}
    ${!charts && series.loading && html`<${Loading} what="Loading the charts" />`}
    ${charts && total && html`<section class="charts" aria-label="Charts">
      ${charts.list.map((c) => html`<${Chart} key=${`${groupBy}-${c.id}`} title=${c.title} x=${charts.x} series=${c.series} format=${FORMATS[c.kind]} area=${c.area} integer=${c.kind === 'count'} />`)}
    </section>
    ${charts.hidden > 0 && html`<p class="muted">${charts.hidden} smaller groups are not drawn; the table above lists them all.</p>`}`}
  </div>`;
}
