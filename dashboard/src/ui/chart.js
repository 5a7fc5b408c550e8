// A time-series chart drawn by uPlot: lines (or areas) with a legend that shows the values under
// the cursor. Colours come from the stylesheet, so the chart follows the light or dark theme and
// is drawn again when the system setting changes.
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

const PALETTE_SIZE = 8;

function themeColors(el) {
  const css = getComputedStyle(el);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    axis: v('--text-muted'),
    grid: v('--border'),
    palette: Array.from({ length: PALETTE_SIZE }, (_, i) => v(`--series-${i + 1}`)),
  };
}

/** `#rrggbb` at `alpha` opacity, for area fills. */
function withAlpha(hex, alpha) {
  const n = parseInt(hex.replace('#', ''), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Whether a series has a value with no value on either side: a line cannot show it, a point can. */
const hasIsolated = (values) => values.some((v, i) => v !== null && values[i - 1] == null && values[i + 1] == null);

/** Room for the longest tick label of the value axis (uPlot measures nothing itself). */
const axisSize = (_, labels) => 24 + 8 * Math.max(3, ...(labels ?? []).map((l) => String(l).length));

/** Tick steps for counts: whole numbers only. */
const INTEGER_STEPS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

function options(el, { series, format, area, height, integer }) {
  const colors = themeColors(el);
  const axis = { stroke: colors.axis, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid, width: 1 } };
  const when = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return {
    width: Math.max(200, el.clientWidth),
    height,
    scales: { x: { time: true } },
    cursor: { focus: { prox: 24 } },
    focus: { alpha: 0.4 },
    legend: { live: true },
    series: [
      { label: 'At', value: (_, t) => (t === null || t === undefined ? '' : when.format(new Date(t * 1000))) },
      ...series.map((s, i) => {
        const color = colors.palette[i % PALETTE_SIZE];
        return {
          label: s.label,
          stroke: color,
          width: 2,
          fill: area ? withAlpha(color, 0.15) : undefined,
          spanGaps: false,
          points: { show: hasIsolated(s.values), size: 6, fill: color },
          value: (_, v) => (v === null || v === undefined ? '—' : format(v)),
        };
      }),
    ],
    axes: [axis, { ...axis, size: axisSize, values: (_, ticks) => ticks.map(format), ...(integer ? { incrs: INTEGER_STEPS } : {}) }],
  };
}

/**
 * `x`: bucket starts in seconds; `series`: `[{ label, values }]`, values aligned with `x` (null
 * for no data). `format` renders a value for the axis and the legend; `integer` keeps the axis's
 * ticks on whole numbers (counts).
 */
export function Chart({ title, x, series, format = String, area = false, integer = false, height = 220 }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const el = box.current;
    const draw = () => {
      plot.current?.destroy();
      plot.current = new uPlot(options(el, { series, format, area, height, integer }), [x, ...series.map((s) => s.values)], el);
    };
    draw();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', draw);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [x, series, format, area, integer, height]);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} class="chart-canvas" role="img" aria-label=${`${title}: ${series.map((s) => s.label).join(', ')} over time`}></div>
  </figure>`;
}
