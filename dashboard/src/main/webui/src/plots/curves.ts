// Loss and accuracy curves with uPlot (small, kept, canvas-based; it redraws thousands of points per frame).
// Several runs overlay on the same axes (compare view); a run's points may arrive live (setRuns again).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MetricPoint } from '../api';
import { el, fmt, isAccuracy } from '../util';
import { SERIES } from './colour';

export interface RunCurves { label: string; points: MetricPoint[] }

interface Panel { plot: uPlot; signature: string }

const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];

/** Two panels: loss-like metrics on a log axis, accuracy-like metrics on [0, 1]. */
export class CurvesChart {
  readonly element: HTMLElement;
  private panels = new Map<'loss' | 'accuracy', Panel>();
  private lossBox = el('div', { class: 'curve-panel', 'data-testid': 'loss-chart' });
  private accBox = el('div', { class: 'curve-panel', 'data-testid': 'accuracy-chart' });
  private empty = el('p', { class: 'muted', text: 'No evaluations yet.' });
  private logNote = el('p', { class: 'muted small', 'data-testid': 'log-axis-note', hidden: true });

  constructor(private width = 460, private height = 240) {
    this.element = el('div', { class: 'curves', 'data-testid': 'metrics-chart', 'data-points': 0 },
      this.empty, this.lossBox, this.accBox, this.logNote);
  }

  setRuns(runs: RunCurves[]) {
    const total = runs.reduce((n, r) => n + r.points.length, 0);
    this.element.dataset.points = String(total);
    this.element.dataset.lastStep = String(Math.max(0, ...runs.flatMap((r) => r.points.map((p) => p.step)))); 
    this.empty.hidden = total > 0;
    const keys = [...new Set(runs.flatMap((r) => r.points.flatMap((p) => Object.keys(p.metrics || {}))))].sort();
    this.element.dataset.series = keys.join(',');
    // the learning rate is reported with the metrics but is no loss: it stays in the CSV, not on the loss axis
    this.update('loss', runs, keys.filter((k) => !isAccuracy(k) && !/^(lr|learning_rate)$/i.test(k)), this.lossBox);
    this.update('accuracy', runs, keys.filter(isAccuracy), this.accBox);
  }

  private update(kind: 'loss' | 'accuracy', runs: RunCurves[], keys: string[], box: HTMLElement) {
    const series = runs.flatMap((run) => keys.map((key) => ({ run, key })));
    const existing = this.panels.get(kind);
    if (!series.length || !runs.some((r) => r.points.length)) {
      existing?.plot.destroy();
      this.panels.delete(kind);
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const steps = [...new Set(runs.flatMap((r) => r.points.map((p) => p.step)))].sort((a, b) => a - b);
    const dropped: string[] = []; // values a log axis cannot draw (a loss of exactly 0): said, not hidden
    const index = new Map(steps.map((s, i) => [s, i]));
    const columns = series.map(({ run, key }) => {
      const col: (number | null)[] = new Array(steps.length).fill(null);
      for (const p of run.points) {
        const v = p.metrics?.[key];
        if (Number.isFinite(v) && (kind === 'accuracy' || v > 0)) col[index.get(p.step)!] = v;
        else if (kind === 'loss' && Number.isFinite(v) && dropped.length < 3) dropped.push(`${key} = ${v} at step ${p.step}`);
        else if (kind === 'loss' && Number.isFinite(v)) dropped.push('');
      }
      return col;
    });
    const data = [steps, ...columns] as uPlot.AlignedData;
    if (kind === 'loss') {
      this.logNote.hidden = dropped.length === 0;
      this.logNote.dataset.dropped = String(dropped.length);
      this.logNote.textContent = dropped.length
        ? `${dropped.length} value${dropped.length === 1 ? '' : 's'} ≤ 0 not drawn on the log axis (${dropped.filter(Boolean).join('; ')}${dropped.length > 3 ? ' …' : ''})`
        : '';
    }
    const signature = series.map((s) => s.run.label + '/' + s.key).join('|');
    if (existing && existing.signature === signature) {
      existing.plot.setData(data);
      return;
    }
    existing?.plot.destroy();
    const multiRun = runs.length > 1;
    const opts: uPlot.Options = {
      title: kind === 'loss' ? 'loss (log scale)' : 'accuracy',
      width: this.width,
      height: this.height,
      scales: kind === 'loss' ? { x: { time: false }, y: { distr: 3 } } : { x: { time: false }, y: { range: [0, 1.02] } },
      axes: [{ label: 'step' }, { size: 56, values: (_u, splits) => splits.map((v) => (v == null ? '' : v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(0) : fmt(v, 2))) }],
      series: [{ label: 'step' }, ...series.map(({ run, key }, i) => ({
        label: multiRun ? `${run.label} · ${key}` : key,
        // one colour per run, one dash per metric
        stroke: SERIES[(multiRun ? runs.indexOf(run) : i) % SERIES.length],
        dash: multiRun ? DASHES[keys.indexOf(key) % DASHES.length] : undefined,
        width: 1.8,
        spanGaps: true,
        points: { show: steps.length < 60 },
      }))],
    };
    box.replaceChildren();
    this.panels.set(kind, { plot: new uPlot(opts, data, box), signature });
  }

  /** The panels as one PNG (uPlot draws on canvases). */
  toCanvas(): HTMLCanvasElement {
    const canvases = [...this.element.querySelectorAll<HTMLCanvasElement>('canvas')];
    const out = document.createElement('canvas');
    out.width = canvases.reduce((w, c) => w + c.width, 0) || 1;
    out.height = Math.max(1, ...canvases.map((c) => c.height));
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    let x = 0;
    for (const c of canvases) { ctx.drawImage(c, x, 0); x += c.width; }
    return out;
  }

  destroy() {
    this.panels.forEach((p) => p.plot.destroy());
    this.panels.clear();
  }
}
