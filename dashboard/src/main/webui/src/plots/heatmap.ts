// Heatmaps on our own canvas code. Chart libraries draw a heatmap as one DOM/SVG/canvas shape per cell with a
// retained scene graph: fine for 12 × 12, hopeless for 4096 × 4096 (16 M shapes). Here a matrix is pooled
// (max |v| per block) to at most one cell per screen pixel and painted as one ImageData; zooming re-pools the
// visible region, from memory or from server tiles (MatrixSource), so no frame does work proportional to the
// whole table.
import { ColourScale, scaleCss, scaleRgb } from './colour';
import { Matrix, Region, minValue, pool, poolInFrames } from './matrix';
import { el, fmt } from '../util';

/** Where the cells come from: the whole table in memory, or a server that slices it (…?rows=a:b&cols=c:d&stride=k). */
export interface MatrixSource {
  rows: number;
  cols: number;
  maxAbs: number;
  /** The smallest value (of the overview for a sliced source): ≥ 0 gets a sequential colour scale. */
  minValue: number;
  /** The region pooled to at most maxRows × maxCols. */
  region(region: Region, maxRows: number, maxCols: number): Promise<Matrix>;
  /** The exact value of one cell when it is at hand (for the hover read-out). */
  valueAt(r: number, c: number): number | undefined;
  /** The label of full-table row r / column c when it is at hand (a sliced source knows those it was sent). */
  rowLabel(r: number): string | undefined;
  colLabel(c: number): string | undefined;
  /** Asks the source for one exact cell with its labels (a sliced source: a 1 × 1 window from the server). */
  cell?(r: number, c: number): Promise<CellAnswer>;
}

export interface CellAnswer { value: number; rowLabel: string; colLabel: string }

export class InMemorySource implements MatrixSource {
  readonly rows: number;
  readonly cols: number;
  readonly minValue: number;
  constructor(readonly m: Matrix, readonly maxAbs: number, private rowLabels: string[] = [],
              private colLabels: string[] = []) {
    this.rows = m.rows;
    this.cols = m.cols;
    this.minValue = minValue(m);
  }
  rowLabel(r: number) {
    return this.rowLabels[r] === undefined ? undefined : String(this.rowLabels[r]);
  }
  colLabel(c: number) {
    return this.colLabels[c] === undefined ? undefined : String(this.colLabels[c]);
  }
  region(region: Region, maxRows: number, maxCols: number): Promise<Matrix> {
    const cells = (region.r1 - region.r0) * (region.c1 - region.c0);
    return cells <= 1_000_000 ? Promise.resolve(pool(this.m, region, maxRows, maxCols))
      : poolInFrames(this.m, region, maxRows, maxCols);
  }
  valueAt(r: number, c: number) {
    return this.m.data[r * this.m.cols + c];
  }
}

export interface HeatmapOptions {
  name: string;
  rowAxis?: string;
  colAxis?: string;
  /** Largest plot side in CSS pixels. */
  maxSide?: number;
  /** A first view to paint while the real source is loading (e.g. the worker's overview). */
  overview?: Matrix;
  /** A fixed colour scale (the compare page's one scale for every run); otherwise the table's own. */
  scale?: ColourScale;
}

/** A table's own scale: sequential over [0, max |v|] when no value is negative, else diverging over ±max |v|. */
export function naturalScale(source: Pick<MatrixSource, 'maxAbs' | 'minValue'>): ColourScale {
  return { kind: source.minValue >= 0 && Number.isFinite(source.minValue) ? 'sequential' : 'diverging', max: source.maxAbs };
}

const LABEL_FONT = '11px system-ui, sans-serif';
const MIN_LABEL_CELL = 10;
/** Tick labels on a dense axis: every step-th cell, step a 1-2-5 number leaving ≥ this many pixels between them. */
const TICK_SPACING = 28;

function tickStep(cell: number): number {
  if (cell >= MIN_LABEL_CELL) return 1;
  const need = TICK_SPACING / cell;
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) if (m * p >= need) return m * p;
  }
}

export class Heatmap {
  readonly canvas: HTMLCanvasElement;
  readonly element: HTMLElement;
  private view: Region;
  private shown: Matrix | null = null;
  private layout = { left: 0, top: 0, plotW: 0, plotH: 0, width: 0, height: 0 };
  private drag: { x: number; y: number } | null = null;
  private renderToken = 0;
  private scaleOverride: ColourScale | null;

  constructor(private source: MatrixSource, private options: HeatmapOptions) {
    this.scaleOverride = options.scale ?? null;
    this.view = { r0: 0, r1: source.rows, c0: 0, c1: source.cols };
    this.canvas = el('canvas', {
      'data-testid': 'heatmap', 'data-table': options.name, 'data-rows': source.rows, 'data-cols': source.cols,
      role: 'img', 'aria-label': `${options.name}: heatmap of ${source.rows} ${options.rowAxis || 'rows'} × ${source.cols} ` +
        `${options.colAxis || 'columns'}, values from ${fmt(Number.isFinite(source.minValue) ? Math.min(0, source.minValue) : -source.maxAbs, 3)} ` +
        `to ${fmt(source.maxAbs, 3)}; export CSV for the numbers`,
    });
    const reset = el('button', { type: 'button', class: 'small', 'data-testid': 'heatmap-reset', text: 'reset zoom', hidden: true });
    reset.addEventListener('click', () => this.zoom({ r0: 0, r1: source.rows, c0: 0, c1: source.cols }));
    const hint = el('span', { class: 'muted small', 'data-testid': 'heatmap-note' });
    this.element = el('div', { class: 'heatmap' }, this.canvas, el('div', { class: 'heatmap-bar' }, hint, reset));
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { tooltip().hidden = true; this.drag = null; this.hoverToken++; });
    this.canvas.addEventListener('mousedown', (e) => { this.drag = this.cellAt(e) ? { x: e.offsetX, y: e.offsetY } : null; });
    this.canvas.addEventListener('mouseup', (e) => this.endDrag(e));
    this.canvas.addEventListener('dblclick', () => reset.click());
    if (options.overview) {
      this.shown = options.overview;
      this.paint();
    }
  }

  /** Paints the current view; large regions are pooled in slices between frames. */
  async render(): Promise<void> {
    const token = ++this.renderToken;
    const side = this.plotSide();
    const m = await this.source.region(this.view, Math.round(side.h * dpr()), Math.round(side.w * dpr()));
    if (token !== this.renderToken) return;
    this.shown = m;
    this.paint();
  }

  /** The colour scale in use: a fixed or shared one when set, else the table's own (naturalScale). */
  get scale(): ColourScale {
    return this.scaleOverride ?? naturalScale(this.source);
  }

  /** The table's own scale, for a group that shares one scale between tables (ScaleGroup). */
  get ownScale(): ColourScale {
    return naturalScale(this.source);
  }

  /** Sets (or with null, drops) a scale shared with other tables and repaints. */
  setScale(scale: ColourScale | null) {
    this.scaleOverride = scale;
    if (this.shown) this.paint();
  }

  async zoom(region: Region) {
    this.view = region;
    const reset = this.element.querySelector<HTMLButtonElement>('[data-testid=heatmap-reset]')!;
    reset.hidden = region.r0 === 0 && region.c0 === 0 && region.r1 === this.source.rows && region.c1 === this.source.cols;
    await this.render();
  }

  private plotSide() {
    const rows = this.view.r1 - this.view.r0;
    const cols = this.view.c1 - this.view.c0;
    const max = this.options.maxSide ?? 560;
    const cell = Math.min(36, max / Math.max(rows, cols)); // below 1 for big tables: pooled to the plot
    return { w: Math.max(1, Math.round(cols * cell)), h: Math.max(1, Math.round(rows * cell)), cell };
  }

  private labelsShown(cell: number) {
    return cell >= MIN_LABEL_CELL;
  }

  private paint() {
    const m = this.shown!;
    const { w: plotW, h: plotH, cell } = this.plotSide();
    const rows = this.view.r1 - this.view.r0;
    const cols = this.view.c1 - this.view.c0;
    const showLabels = this.labelsShown(cell);
    // labels of the cells shown, by full-table index (never by position in a strided answer); on a dense axis
    // only every step-th one, a tick
    const step = tickStep(cell);
    const ticks = (from: number, to: number, label: (i: number) => string | undefined) => {
      const out: { at: number; text: string }[] = [];
      for (let i = Math.ceil(from / step) * step; i < to; i += step) out.push({ at: i - from, text: label(i) ?? String(i) });
      return out;
    };
    const rowTicks = ticks(this.view.r0, this.view.r1, (r) => this.source.rowLabel(r));
    const colTicks = ticks(this.view.c0, this.view.c1, (c) => this.source.colLabel(c));
    const measure = this.canvas.getContext('2d')!;
    measure.font = LABEL_FONT;
    const widest = (labels: { text: string }[]) => Math.min(120, Math.max(0, ...labels.map((l) => measure.measureText(l.text).width)));
    const axisPad = 16;
    const left = axisPad + widest(rowTicks) + 8;
    const top = axisPad + widest(colTicks) + 8;
    const legend = 64;
    const width = left + plotW + legend;
    const height = Math.max(top + plotH + 6, 170);
    this.layout = { left, top, plotW, plotH, width, height };
    const ratio = dpr();
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = width + 'px';
    this.canvas.style.height = height + 'px';
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);

    // cells: one pixel per pooled cell in an offscreen image, scaled up without smoothing (an empty table has none)
    if (m.rows === 0 || m.cols === 0) return;
    const image = new ImageData(m.cols, m.rows);
    const scale = this.scale;
    const maxAbs = scale.max;
    for (let i = 0; i < m.rows * m.cols; i++) {
      const [r, g, b] = scaleRgb(m.data[i], scale);
      image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = m.cols;
    off.height = m.rows;
    off.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, left * ratio, top * ratio, plotW * ratio, plotH * ratio);

    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = LABEL_FONT;
    ctx.fillStyle = '#1d2330';
    rowTicks.forEach(({ at, text }) => {
      ctx.fillText(text, left - 4 - ctx.measureText(text).width, top + (at + 0.5) * (plotH / rows) + 4);
    });
    colTicks.forEach(({ at, text }) => {
      ctx.save();
      ctx.translate(left + (at + 0.5) * (plotW / cols) + 4, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(text, 0, 0);
      ctx.restore();
    });
    // the numbers themselves in the cells, as a researcher reads a small table, but only where they fit: each cell
    // shown one-to-one (not pooled), tall enough for a line and wide enough for its own text
    let annotated = 0;
    const cellW = plotW / cols, cellH = plotH / rows;
    if (m.rows === rows && m.cols === cols && cellH >= 13 && rows * cols <= 2500) {
      ctx.textAlign = 'center';
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const v = m.data[r * m.cols + c];
          if (!Number.isFinite(v)) continue; // a label this table lacks (compare page): grey, no number
          // two significant digits, else one, else "≈0" for a value below 1 % of the scale (1.2e-5 is wider than
          // its cell), else none: a blank cell is one whose number would not fit
          const text = [fmt(v, 2), fmt(v, 1), Math.abs(v) < 0.01 * maxAbs ? '≈0' : '']
            .find((t) => t && ctx.measureText(t).width + 4 <= cellW);
          if (text === undefined) continue;
          ctx.fillStyle = Math.abs(v) > 0.6 * maxAbs ? '#fff' : '#1d2330';
          ctx.fillText(text, left + (c + 0.5) * cellW, top + (r + 0.5) * cellH + 4);
          annotated++;
        }
      }
      ctx.textAlign = 'start';
    }
    ctx.fillStyle = '#6b7280';
    if (this.options.colAxis) ctx.fillText(this.options.colAxis + (showLabels ? '' : ` [${this.view.c0}:${this.view.c1}]`), left, 11);
    if (this.options.rowAxis) {
      ctx.save();
      const text = this.options.rowAxis + (showLabels ? '' : ` [${this.view.r0}:${this.view.r1}]`);
      ctx.translate(11, top + plotH / 2 + ctx.measureText(text).width / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(text, 0, 0);
      ctx.restore();
    }
    // colour bar, always: +max at the top; diverging: 0 in the middle and −max at the bottom, sequential: 0 there
    const barX = left + plotW + 10;
    const barH = Math.max(60, Math.min(plotH, 200));
    const low = scale.kind === 'sequential' ? 0 : -maxAbs;
    for (let i = 0; i < barH; i++) {
      ctx.fillStyle = scaleCss(maxAbs - (maxAbs - low) * i / (barH - 1), scale);
      ctx.fillRect(barX, top + i, 10, 1);
    }
    ctx.strokeStyle = '#d9dde5';
    ctx.strokeRect(barX - 0.5, top - 0.5, 11, barH + 1);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(fmt(maxAbs, 3), barX + 13, top + 8);
    if (scale.kind === 'diverging') ctx.fillText('0', barX + 13, top + barH / 2 + 4);
    ctx.fillText(fmt(low, 3), barX + 13, top + barH);
    this.canvas.dataset.colourBar = `${barX},${top},10,${barH}`;
    this.canvas.dataset.scale = `${scale.kind}:${low}:${maxAbs}`;
    this.canvas.dataset.annotated = String(annotated);

    const block = Math.max(rows / m.rows, cols / m.cols);
    const note = this.element.querySelector('[data-testid=heatmap-note]')!;
    note.textContent = block > 1.0001
      ? `${this.source.rows} × ${this.source.cols}, shown as ${m.rows} × ${m.cols} (max |v| of ${fmt(block, 3)}-cell blocks); drag to zoom, double-click to reset`
      : (this.source.rows * this.source.cols > 400 ? 'drag to zoom, double-click to reset' : '');
    this.canvas.dataset.rendered = String(m.rows * m.cols);
    this.canvas.dataset.plot = `${left},${top},${plotW},${plotH}`; // for browser tests that hover a given cell
    this.canvas.dataset.view = `${this.view.r0}:${this.view.r1},${this.view.c0}:${this.view.c1}`;
    this.canvas.dataset.rowTicks = rowTicks.slice(0, 64).map((t) => `${this.view.r0 + t.at}=${t.text}`).join('|');
    this.canvas.dataset.colTicks = colTicks.slice(0, 64).map((t) => `${this.view.c0 + t.at}=${t.text}`).join('|');
  }

  /** The full-table cell under the mouse, or null outside the plot. */
  private cellAt(e: MouseEvent): { r: number; c: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - this.layout.left;
    const y = e.clientY - rect.top - this.layout.top;
    if (x < 0 || y < 0 || x >= this.layout.plotW || y >= this.layout.plotH) return null;
    const r = this.view.r0 + Math.floor(y / this.layout.plotH * (this.view.r1 - this.view.r0));
    const c = this.view.c0 + Math.floor(x / this.layout.plotW * (this.view.c1 - this.view.c0));
    return { r, c };
  }

  private hoverToken = 0;

  private hover(e: MouseEvent) {
    const tip = tooltip();
    const cell = this.cellAt(e);
    if (!cell || !this.shown) { tip.hidden = true; return; }
    let value = this.source.valueAt(cell.r, cell.c);
    let approx = false;
    if (value === undefined) {
      const m = this.shown;
      const pr = Math.floor((cell.r - this.view.r0) / (this.view.r1 - this.view.r0) * m.rows);
      const pc = Math.floor((cell.c - this.view.c0) / (this.view.c1 - this.view.c0) * m.cols);
      value = m.data[pr * m.cols + pc];
      approx = m.rows < this.view.r1 - this.view.r0 || m.cols < this.view.c1 - this.view.c0;
    }
    const rowName = this.source.rowLabel(cell.r);
    const colName = this.source.colLabel(cell.c);
    const exact = !approx && rowName !== undefined && colName !== undefined;
    this.showCell(cell, { value, rowLabel: rowName ?? '…', colLabel: colName ?? '…' }, exact, approx);
    tip.style.left = (e.clientX + 14) + 'px';
    tip.style.top = (e.clientY + 14) + 'px';
    tip.hidden = false;
    if (this.drag) this.paintDrag(e);
    const token = ++this.hoverToken;
    if (!exact && this.source.cell) {
      // a sliced source has not sent this cell's labels or exact value: ask for the 1 × 1 window, once the mouse rests
      setTimeout(() => {
        if (token !== this.hoverToken) return;
        this.source.cell!(cell.r, cell.c).then((answer) => {
          if (token === this.hoverToken && !tooltip().hidden) this.showCell(cell, answer, true, false);
        }).catch(() => { /* the block value stays */ });
      }, 120);
    }
  }

  private showCell(cell: { r: number; c: number }, answer: CellAnswer, exact: boolean, approx: boolean) {
    const tip = tooltip();
    tip.textContent = `${this.options.name} · ${this.options.rowAxis || 'row'} ${answer.rowLabel}, ` +
      `${this.options.colAxis || 'col'} ${answer.colLabel}: ` +
      (Number.isFinite(answer.value) ? `${approx ? '≈ max |v| ' : ''}${fmt(answer.value, 5)}` : 'no value');
    tip.dataset.table = this.options.name;
    tip.dataset.row = String(cell.r);
    tip.dataset.col = String(cell.c);
    tip.dataset.value = String(answer.value);
    tip.dataset.rowLabel = answer.rowLabel;
    tip.dataset.colLabel = answer.colLabel;
    tip.dataset.exact = String(exact);
  }

  private paintDrag(e: MouseEvent) {
    const ctx = this.canvas.getContext('2d')!;
    if (!this.shown) return;
    this.paint();
    ctx.strokeStyle = '#1d2330';
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(this.drag!.x, this.drag!.y, e.offsetX - this.drag!.x, e.offsetY - this.drag!.y);
    ctx.setLineDash([]);
  }

  private endDrag(e: MouseEvent) {
    const start = this.drag;
    this.drag = null;
    if (!start || Math.abs(e.offsetX - start.x) < 6 || Math.abs(e.offsetY - start.y) < 6) return;
    const rect = this.canvas.getBoundingClientRect();
    const a = this.cellAt({ clientX: rect.left + Math.min(start.x, e.offsetX), clientY: rect.top + Math.min(start.y, e.offsetY) } as MouseEvent);
    const b = this.cellAt({ clientX: rect.left + Math.max(start.x, e.offsetX) - 1, clientY: rect.top + Math.max(start.y, e.offsetY) - 1 } as MouseEvent);
    if (!a || !b) { this.paint(); return; }
    this.zoom({ r0: a.r, r1: b.r + 1, c0: a.c, c1: b.c + 1 });
  }
}

function tooltip(): HTMLElement {
  return document.getElementById('tooltip')!;
}

function dpr() {
  return window.devicePixelRatio || 1;
}
