// Turns the stats API's points into what the Overview's charts draw.
export const MAX_GROUPS = 8;

/** The label of a group: a key's name for `key`, and a word for the empty group. */
export function groupLabel(groupBy, group, keyNames) {
  if (groupBy === 'key') return group ? keyNames.get(group) ?? group : '(no key)';
  return group || '(none)';
}

/** The groups of a series, most requests first, at most MAX_GROUPS; and how many were left out. */
export function topGroups(points) {
  const totals = new Map();
  for (const p of points) totals.set(p.group ?? '', (totals.get(p.group ?? '') ?? 0) + p.requests);
  const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  return { groups: sorted.slice(0, MAX_GROUPS), hidden: Math.max(0, sorted.length - MAX_GROUPS) };
}

/**
 * One value per bucket start for `group`: `metric(point)`, or `empty` where the bucket has no
 * point (0 for counts; null for rates and latencies, which do not exist without requests).
 */
export function valuesOf(points, starts, group, metric, empty) {
  const byStart = new Map(points.filter((p) => (p.group ?? '') === group).map((p) => [p.bucket_start_ms, p]));
  return starts.map((t) => (byStart.has(t) ? metric(byStart.get(t)) : empty));
}

/** The charts of an ungrouped series. */
export function totalCharts(points, starts) {
  const v = (metric, empty = 0) => valuesOf(points, starts, '', metric, empty);
  return [
    { id: 'requests', title: 'Requests and errors', kind: 'count', area: true, series: [{ label: 'Requests', values: v((p) => p.requests) }, { label: 'Errors', values: v((p) => p.errors) }] },
    { id: 'tokens', title: 'Tokens', kind: 'count', area: true, series: [{ label: 'In', values: v((p) => p.tokens_in) }, { label: 'Out', values: v((p) => p.tokens_out) }] },
    { id: 'cost', title: 'Cost (USD)', kind: 'cost', area: true, series: [{ label: 'Cost', values: v((p) => p.cost) }] },
    { id: 'latency', title: 'Latency', kind: 'ms', series: [{ label: 'p50', values: v((p) => p.latency_p50_ms, null) }, { label: 'p95', values: v((p) => p.latency_p95_ms, null) }] },
    { id: 'cache', title: 'Cache hit rate', kind: 'percent', series: [{ label: 'Hit rate', values: v((p) => p.cache_hit_rate, null) }] },
  ];
}

/** The charts of a grouped series: one line per group in each. */
export function groupedCharts(points, starts, groups, label) {
  const per = (metric, empty = 0) => groups.map((g) => ({ label: label(g), values: valuesOf(points, starts, g, metric, empty) }));
  return [
    { id: 'requests', title: 'Requests', kind: 'count', series: per((p) => p.requests) },
    { id: 'errors', title: 'Errors', kind: 'count', series: per((p) => p.errors) },
    { id: 'tokens', title: 'Tokens (in + out)', kind: 'count', series: per((p) => p.tokens_in + p.tokens_out) },
    { id: 'cost', title: 'Cost (USD)', kind: 'cost', series: per((p) => p.cost) },
    { id: 'latency', title: 'Latency p95', kind: 'ms', series: per((p) => p.latency_p95_ms, null) },
    { id: 'cache', title: 'Cache hit rate', kind: 'percent', series: per((p) => p.cache_hit_rate, null) },
  ];
}
