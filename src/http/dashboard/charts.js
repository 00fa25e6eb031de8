// Time-series charts (uPlot, served from the package as assets/uplot.js): per-minute bars and lines over the
// last hour. Colours come from the page's CSS variables, so dark mode applies; each chart follows its box's
// width (ResizeObserver) and is redrawn when the colour scheme changes.
import { el } from './ui.js';

const HEIGHT = 170;
const dark = window.matchMedia('(prefers-color-scheme: dark)');

const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A chart in `box` (emptied). series: [{ label, color: '--chart-1', bars?: true, dots?: true }]. Returns { update(xs, ys[]) }
 * with xs in epoch seconds, or a stand-in that says the chart library is missing.
 */
export function timeChart(box, { label, series, unit }) {
  box.replaceChildren();
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  if (typeof window.uPlot !== 'function') {
    box.append(el('p', { class: 'chart-empty' }, 'charts unavailable'));
    return { update() {}, destroy() {} };
  }
  let plot = null;
  let data = [[], ...series.map(() => [])];
  const make = () => {
    plot?.destroy();
    const muted = cssVar('--muted');
    const grid = { stroke: cssVar('--line'), width: 1 };
    const axis = { stroke: muted, grid, ticks: grid, font: '11px system-ui, sans-serif' };
    const clock = (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    plot = new window.uPlot(
      {
        width: Math.max(200, box.clientWidth),
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(unit === 'ms' ? 1 : 4, max * 1.1)] } },
        axes: [{ ...axis, values: clock, space: 70 }, { ...axis, size: unit === 'ms' ? 64 : 48, values: (_u, ticks) => ticks.map((v) => format(v, unit, decimals(ticks))) }],
        series: [
          { value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })) },
          ...series.map((s) => {
            const color = cssVar(s.color);
            return {
              label: s.label,
              stroke: color,
              width: s.bars ? 0 : 2,
              fill: s.bars ? color : undefined,
              spanGaps: !s.bars,
              // Lines over sparse minutes: a dot per minute that has a value, so a lone minute still shows.
              points: s.dots ? { show: true, size: 5, fill: color, stroke: color } : { show: false },
              value: (_u, v) => (v == null ? '—' : format(v, unit)),
              ...(s.bars ? { paths: window.uPlot.paths.bars({ size: [0.8, 12], gap: 1 }) } : {}),
            };
          }),
        ],
      },
      data,
      box,
    );
  };
  make();
  const resize = new ResizeObserver(() => plot && plot.setSize({ width: Math.max(200, box.clientWidth), height: HEIGHT }));
  resize.observe(box);
  const rescheme = () => make();
  dark.addEventListener('change', rescheme);
  return {
    update(xs, ys) {
      data = [xs, ...ys];
      plot.setData(data);
    },
    destroy() {
      resize.disconnect();
      dark.removeEventListener('change', rescheme);
      plot?.destroy();
    },
  };
}

function format(v, unit, digits) {
  if (unit === 'ms' && v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s';
  // Sub-millisecond run times are common: ticks 0.25 ms apart read 0.25, 0.5, 0.75 ms, not "0 ms" four times.
  const text = String(Number(v.toFixed(digits)));
  return unit === 'ms' ? text + ' ms' : text;
}

/** The decimals the step between the axis's ticks needs (0 for whole steps, at most 3). */
function decimals(ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const text = String(Number(step.toFixed(6)));
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(3, text.length - dot - 1);
}
