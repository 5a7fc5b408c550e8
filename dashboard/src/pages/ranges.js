// The time ranges of the Overview, and the bucket width that gives each a readable chart.
export const RANGES = [
  { id: '1h', label: 'Last hour', short: '1 h', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', short: '24 h', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', short: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', short: '30 d', ms: 30 * 86_400_000 },
  { id: 'custom', label: 'Custom', short: 'Custom' },
];

export const BUCKETS = [
  { id: '1m', ms: 60_000 },
  { id: '5m', ms: 300_000 },
  { id: '1h', ms: 3_600_000 },
  { id: '1d', ms: 86_400_000 },
];

/** The finest bucket that keeps a range under ~600 points (the stats API allows 5000). */
export function bucketFor(spanMs) {
  return BUCKETS.find((b) => spanMs / b.ms <= 600) ?? BUCKETS[BUCKETS.length - 1];
}

/**
 * The window `{ from, to, bucket }` of the Overview's parameters (`range`, and `from`/`to` for a
 * custom one), ending now for the preset ranges; `error` for an unusable custom range.
 */
export function windowOf(params, now = Date.now()) {
  const range = RANGES.find((r) => r.id === params.range) ?? RANGES[1];
  let from;
  let to;
  if (range.id === 'custom') {
    from = Number(params.from);
    to = params.to ? Number(params.to) : now;
    if (!params.from || !Number.isFinite(from) || !Number.isFinite(to)) return { range, error: 'Choose when the custom range starts.' };
    if (from >= to) return { range, error: 'The range must start before it ends.' };
  } else {
    // Ending on the next whole minute keeps the last bucket whole and the window stable for a minute.
    to = Math.ceil((now + 1) / 60_000) * 60_000;
    from = to - range.ms;
  }
  return { range, from, to, bucket: bucketFor(to - from) };
}

/** The starts of the buckets of width `ms` that cover from..to, as the stats API aligns them. */
export function bucketStarts(from, to, ms) {
  const starts = [];
  for (let t = Math.floor(from / ms) * ms; t < to; t += ms) starts.push(t);
  return starts;
}
