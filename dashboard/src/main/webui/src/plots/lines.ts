// Line and point plots on uPlot (the chart library the curves use) for the analysis figures: a table against the
// training step, TMS dimensions per feature against 1/(1−S) with the paper's plateaus, CiS response curves.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el, fmt } from '../util';
import { SERIES } from './colour';

export interface LineSeries {
  label: string;
  values: (number | null)[];
  colour?: string;
  dash?: number[];
  width?: number;
  /** Points only (a scatter of measurements), no line between them. */
  pointsOnly?: boolean;
  /** Marks on a line's points (default: when there are fewer than 40); off for reference lines. */
  marks?: boolean;
}

export interface LinePlotOptions {
  testid: string;
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: LineSeries[];
  logX?: boolean;
  /** The x range; a log axis otherwise snaps to whole decades, which can put the outermost points on the frame. */
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
  hooks?: uPlot.Hooks.Arrays;
}

export interface LinePlot { element: HTMLElement; canvas: () => HTMLCanvasElement; plot: uPlot }

/**
 * One uPlot chart; what it draws is also in data attributes (series labels and their values) for tests and screen
 * readers, since a canvas cannot be read back as numbers.
 */
export function linePlot(o: LinePlotOptions): LinePlot {
  const box = el('div', { class: 'line-plot', 'data-testid': o.testid });
  const opts: uPlot.Options = {
    title: o.title,
    hooks: o.hooks,
    width: o.width ?? 520,
    height: o.height ?? 300,
    scales: { x: { time: false, distr: o.logX ? 3 : 1, ...(o.xRange ? { range: o.xRange } : {}) }, y: o.yRange ? { range: o.yRange } : {} },
    axes: [
      { label: o.xLabel, values: (_u, splits) => splits.map((v) => (v == null ? '' : fmt(v, 3))) },
      { label: o.yLabel, size: 56, values: (_u, splits) => splits.map((v) => (v == null ? '' : fmt(v, 3))) },
    ],
    series: [{ label: o.xLabel, value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt(v, 4)) },
      ...o.series.map((s, i) => ({
        label: s.label,
        stroke: s.colour ?? SERIES[i % SERIES.length],
        dash: s.dash,
        width: s.width ?? 1.8,
        spanGaps: !s.pointsOnly,
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt(v, 4)),
        ...(s.pointsOnly ? { paths: () => null, points: { show: true, size: 9, width: 1, fill: s.colour ?? SERIES[i % SERIES.length] } }
          : { points: { show: s.marks ?? o.x.length < 40 } }),
      }))],
  };
  const plot = new uPlot(opts, [o.x, ...o.series.map((s) => s.values)] as uPlot.AlignedData, box);
  box.dataset.series = JSON.stringify(o.series.map((s) => s.label));
  box.dataset.x = JSON.stringify(o.x);
  box.dataset.values = JSON.stringify(Object.fromEntries(o.series.map((s) => [s.label, s.values])));
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', `${o.title}: ${o.yLabel} against ${o.xLabel}, ${o.series.length} series`);
  return { element: box, canvas: () => plot.ctx.canvas, plot };
}

/** Points of several groups on one x axis: each group's points become series (a second layer where x repeats). */
export function scatterSeries(points: { x: number; y: number; group: string }[], colours: Map<string, string>):
    { x: number[]; series: LineSeries[] } {
  const x = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const layers = new Map<string, (number | null)[][]>();
  for (const p of points) {
    const list = layers.get(p.group) ?? [];
    let layer = list.find((l) => l[at.get(p.x)!] === null);
    if (!layer) { layer = new Array(x.length).fill(null); list.push(layer); }
    layer[at.get(p.x)!] = p.y;
    layers.set(p.group, list);
  }
  const series: LineSeries[] = [];
  for (const [group, list] of layers) {
    list.forEach((values, k) => series.push({ label: k ? `${group} (${k + 1})` : group, values, colour: colours.get(group), pointsOnly: true }));
  }
  return { x, series };
}

/** The TMS paper's sticky fractions of dimensions per feature: a dedicated dimension, tetrahedron, triangle, antipodal pair, pentagon, square antiprism. */
export const TMS_PLATEAUS: [string, number][] = [['1', 1], ['3/4', 3 / 4], ['2/3', 2 / 3], ['1/2', 1 / 2], ['2/5', 2 / 5], ['3/8', 3 / 8]];

/**
 * Dimensions per feature (m/‖W‖_F²) against 1/(1−S) on a log axis, one colour per group, with the plateaus of the
 * paper as dashed grey lines labelled by their fraction.
 */
export function dimsPerFeaturePlot(points: { x: number; y: number; group: string }[], testid = 'dims-per-feature-plot'): LinePlot {
  const valid = points.filter((p) => Number.isFinite(p.x) && p.x > 0 && Number.isFinite(p.y));
  const groups = [...new Set(valid.map((p) => p.group))];
  const colours = new Map(groups.map((g, i) => [g, SERIES[i % SERIES.length]]));
  const { x, series } = scatterSeries(valid, colours);
  const plateaus: LineSeries[] = TMS_PLATEAUS.map(([label, v]) => ({
    label: `plateau ${label}`, values: x.map(() => v), colour: '#9aa1ad', dash: [4, 4], width: 1, marks: false,
  }));
  const top = Math.max(1.05, ...valid.map((p) => p.y * 1.05));
  const lp = linePlot({
    testid, title: 'Dimensions per feature against 1/(1−S)', xLabel: '1/(1−S)', yLabel: 'm/‖W‖_F²',
    x, series: [...series, ...plateaus], logX: true, yRange: [0, top],
    xRange: x.length ? [x[0] / 1.6, x[x.length - 1] * 1.6] : undefined,
    hooks: {
      // each plateau's fraction written at the right end of its line, as the paper labels them
      draw: [(u) => {
        const ctx = u.ctx;
        const ratio = window.devicePixelRatio || 1;
        ctx.save();
        ctx.fillStyle = '#6b7280';
        ctx.font = `${11 * ratio}px system-ui, sans-serif`;
        ctx.textAlign = 'right';
        for (const [label, v] of TMS_PLATEAUS) {
          ctx.fillText(label, u.bbox.left + u.bbox.width - 4 * ratio, u.valToPos(v, 'y', true) - 3 * ratio);
        }
        ctx.restore();
      }],
    },
  });
  lp.element.dataset.plateaus = TMS_PLATEAUS.map(([l]) => l).join(',');
  lp.element.dataset.points = String(valid.length);
  return lp;
}
