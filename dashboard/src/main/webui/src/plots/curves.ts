// Loss and accuracy curves with uPlot (small, kept, canvas-based; it redraws thousands of points per frame).
// Several runs overlay on the same axes (compare view); a run's points may arrive live (setRuns again).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MetricPoint } from '../api';
import { el, fmt, isAccuracy } from '../util';
import { SERIES } from './colour';

export interface RunCurves { label: string; points: MetricPoint[] }

interface Panel { plot: uPlot; signature: string }

/** A per-instance metric of a TMS/CiS run (test_loss_I3): folded behind a toggle, a run has ten or twenty. */
export const isInstanceMetric = (key: string) => /_I\d+$/.test(key);

const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];
let charts = 0;

/**
 * Exponential moving average as TensorBoard/W&B smooth curves: s_t = w·s_{t−1} + (1−w)·x_t, debiased by 1 − w^t so
 * the first points are not pulled to 0; gaps (null) are skipped. weight 0 returns the values as they are.
 */
export function smooth(values: (number | null)[], weight: number, log = false): (number | null)[] {
  if (!(weight > 0)) return values;
  let acc = 0, n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    const x = log ? Math.log(v) : v; // on a log axis losses are averaged in log space
    acc = weight * acc + (1 - weight) * x;
    n++;
    const s = acc / (1 - Math.pow(weight, n));
    return log ? Math.exp(s) : s;
  });
}

/**
 * Two panels: loss-like metrics on a log axis, accuracy-like metrics on [0, 1]; a toolbar picks the metrics shown,
 * smooths (EMA), puts the step on a log axis; the cursors of the two panels move together.
 */
export class CurvesChart {
  readonly element: HTMLElement;
  private readonly syncKey = `curves-${++charts}`;
  private runs: RunCurves[] = [];
  private hiddenMetrics = new Set<string>(['lr', 'learning_rate']);
  private smoothing = 0;
  private logX = false;
  private picker = el('span', { class: 'metric-picker', 'data-testid': 'metric-picker' });
  private smoothInput = el('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: 0, 'data-testid': 'smoothing', 'aria-label': 'smoothing' });
  private smoothLabel = el('span', { class: 'small', 'data-testid': 'smoothing-value', text: '0' });
  private logXBox = el('input', { type: 'checkbox', 'data-testid': 'log-x' });
  private showInstances = false;
  private instancesBox = el('input', { type: 'checkbox', 'data-testid': 'per-instance' });
  private instancesLabel = el('label', { class: 'small', hidden: true }, this.instancesBox, ' ', el('span', { 'data-testid': 'per-instance-label' }));
  private panels = new Map<'loss' | 'accuracy', Panel>();
  private lossBox = el('div', { class: 'curve-panel', 'data-testid': 'loss-chart' });
  private accBox = el('div', { class: 'curve-panel', 'data-testid': 'accuracy-chart' });
  private empty = el('p', { class: 'muted', text: 'No evaluations yet.' });
  private logNote = el('p', { class: 'muted small', 'data-testid': 'log-axis-note', hidden: true });

  constructor(private width = 460, private height = 240) {
    const toolbar = el('div', { class: 'curve-tools' }, this.picker,
      el('label', { class: 'small' }, 'smoothing ', this.smoothInput, ' ', this.smoothLabel),
      el('label', { class: 'small' }, this.logXBox, ' log step'), this.instancesLabel);
    this.element = el('div', { class: 'curves', 'data-testid': 'metrics-chart', 'data-points': 0 },
      toolbar, this.empty, this.lossBox, this.accBox, this.logNote);
    this.smoothInput.addEventListener('input', () => {
      this.smoothing = Number(this.smoothInput.value);
      this.smoothLabel.textContent = String(this.smoothing);
      this.redraw();
    });
    this.logXBox.addEventListener('change', () => { this.logX = this.logXBox.checked; this.redraw(); });
    this.instancesBox.addEventListener('change', () => { this.showInstances = this.instancesBox.checked; this.redraw(); });
  }

  private redraw() {
    this.setRuns(this.runs);
  }

  private renderPicker(keys: string[]) {
    const signature = keys.join(',');
    if (this.picker.dataset.keys === signature) return;
    this.picker.dataset.keys = signature;
    this.picker.replaceChildren(...keys.map((k) => {
      const box = el('input', { type: 'checkbox', 'data-testid': `metric-${k}`, checked: !this.hiddenMetrics.has(k) });
      box.addEventListener('change', () => { box.checked ? this.hiddenMetrics.delete(k) : this.hiddenMetrics.add(k); this.redraw(); });
      return el('label', { class: 'small' }, box, ' ', k);
    }));
  }

  setRuns(runs: RunCurves[]) {
    this.runs = runs;
    const total = runs.reduce((n, r) => n + r.points.length, 0);
    this.element.dataset.points = String(total);
    this.element.dataset.lastStep = String(Math.max(0, ...runs.flatMap((r) => r.points.map((p) => p.step)))); 
    this.empty.hidden = total > 0;
    const keys = [...new Set(runs.flatMap((r) => r.points.flatMap((p) => Object.keys(p.metrics || {}))))]
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    this.element.dataset.series = keys.join(',');
    // per-instance metrics (test_loss_I0 … I19) are one toggle, not twenty checkboxes, and off until asked for
    const instanceKeys = keys.filter(isInstanceMetric);
    this.instancesLabel.hidden = instanceKeys.length === 0;
    this.instancesLabel.querySelector('span')!.textContent = `per-instance curves (${instanceKeys.length})`;
    this.element.dataset.instances = String(instanceKeys.length);
    this.renderPicker(keys.filter((k) => !isInstanceMetric(k)));
    // the learning rate is reported with the metrics but is no loss: off unless picked
    const shown = keys.filter((k) => !this.hiddenMetrics.has(k) && (this.showInstances || !isInstanceMetric(k)));
    this.element.dataset.shown = shown.join(',');
    this.update('loss', runs, shown.filter((k) => !isAccuracy(k)), this.lossBox);
    this.update('accuracy', runs, shown.filter(isAccuracy), this.accBox);
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
    // a log step axis cannot draw step 0
    const steps = [...new Set(runs.flatMap((r) => r.points.map((p) => p.step)))].filter((x) => !this.logX || x > 0).sort((a, b) => a - b);
    const dropped: string[] = []; // values a log axis cannot draw (a loss of exactly 0): said, not hidden
    const index = new Map(steps.map((s, i) => [s, i]));
    const columns = series.map(({ run, key }) => {
      const col: (number | null)[] = new Array(steps.length).fill(null);
      for (const p of run.points) {
        if (!index.has(p.step)) continue;
        const v = p.metrics?.[key];
        if (Number.isFinite(v) && (kind === 'accuracy' || v > 0)) col[index.get(p.step)!] = v;
        else if (kind === 'loss' && Number.isFinite(v) && dropped.length < 3) dropped.push(`${key} = ${v} at step ${p.step}`);
        else if (kind === 'loss' && Number.isFinite(v)) dropped.push('');
      }
      return smooth(col, this.smoothing, kind === 'loss');
    });
    const data = [steps, ...columns] as uPlot.AlignedData;
    // what is drawn, for tests and screen readers: each series' last drawn value
    box.dataset.last = JSON.stringify(Object.fromEntries(series.map(({ run, key }, i) =>
      [runs.length > 1 ? `${run.label} · ${key}` : key, [...columns[i]].reverse().find((v) => v !== null) ?? null])));
    box.setAttribute('aria-label', `${kind} curves of ${series.length} series, last values ${box.dataset.last}`);
    if (kind === 'loss') {
      this.logNote.hidden = dropped.length === 0;
      this.logNote.dataset.dropped = String(dropped.length);
      this.logNote.textContent = dropped.length
        ? `${dropped.length} value${dropped.length === 1 ? '' : 's'} ≤ 0 not drawn on the log axis (${dropped.filter(Boolean).join('; ')}${dropped.length > 3 ? ' …' : ''})`
        : '';
    }
    const signature = series.map((s) => s.run.label + '/' + s.key).join('|') + `|logx=${this.logX}`;
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
      cursor: { sync: { key: this.syncKey } },
      scales: kind === 'loss' ? { x: { time: false, distr: this.logX ? 3 : 1 }, y: { distr: 3 } }
        : { x: { time: false, distr: this.logX ? 3 : 1 }, y: { range: [0, 1.02] } },
      axes: [{ label: 'step' }, { size: 56, values: (_u, splits) => splits.map((v) => (v == null ? '' : v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(0) : fmt(v, 2))) }],
      series: [{ label: 'step' }, ...series.map(({ run, key }, i) => ({
        label: multiRun ? `${run.label} · ${key}` : key,
        // one colour per run, one dash per metric
        stroke: SERIES[(multiRun ? runs.indexOf(run) : i) % SERIES.length],
        dash: multiRun ? DASHES[keys.indexOf(key) % DASHES.length] : undefined,
        width: 1.8,
        spanGaps: true,
        // hover values with four significant digits
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt(v, 4)),
        points: { show: steps.length < 60 },
      }))],
    };
    box.replaceChildren();
    this.panels.set(kind, { plot: new uPlot(opts, data, box), signature });
  }

  /**
   * The panels as one PNG with what a figure needs: each panel's title, its axes (uPlot draws them on the canvas)
   * and a legend of every series in its colour and dash.
   */
  toCanvas(title = ''): HTMLCanvasElement {
    const panels = [...this.panels.values()].map((p) => p.plot);
    const ratio = window.devicePixelRatio || 1;
    const line = 16 * ratio;
    const legends = panels.map((u) => u.series.slice(1).filter((s) => s.show !== false));
    const legendRows = Math.max(0, ...legends.map((l) => l.length));
    const head = (title ? 2 : 1) * line + 4 * ratio;
    const width = panels.reduce((w, u) => w + u.ctx.canvas.width, 0) || 1;
    const plotHeight = Math.max(1, ...panels.map((u) => u.ctx.canvas.height));
    const out = document.createElement('canvas');
    out.width = width;
    out.height = head + plotHeight + legendRows * line + 8 * ratio;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = '#1d2330';
    ctx.textBaseline = 'top';
    ctx.font = `${13 * ratio}px system-ui, sans-serif`;
    if (title) ctx.fillText(title, 6 * ratio, 2 * ratio);
    let x = 0;
    panels.forEach((u, i) => {
      const c = u.ctx.canvas;
      ctx.fillStyle = '#1d2330';
      ctx.fillText(String(u.root.querySelector('.u-title')?.textContent ?? ''), x + 6 * ratio, head - line);
      ctx.drawImage(c, x, head);
      legends[i].forEach((s, j) => {
        const y = head + plotHeight + j * line + line / 2;
        ctx.strokeStyle = String(s.stroke instanceof Function ? s.stroke(u, j + 1) : s.stroke ?? '#000');
        ctx.lineWidth = 2 * ratio;
        ctx.setLineDash((s.dash ?? []).map((d) => d * ratio));
        ctx.beginPath();
        ctx.moveTo(x + 8 * ratio, y);
        ctx.lineTo(x + 32 * ratio, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#1d2330';
        ctx.fillText(String(s.label ?? ''), x + 38 * ratio, y - 7 * ratio);
      });
      x += c.width;
    });
    return out;
  }

  destroy() {
    this.panels.forEach((p) => p.plot.destroy());
    this.panels.clear();
  }
}
