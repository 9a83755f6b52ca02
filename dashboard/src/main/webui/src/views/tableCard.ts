// One circuit table as a card: the view that suits its kind, its description, and CSV / JSON / PNG export.
import { TableEntry, tableUrl } from '../api';
import { Heatmap } from '../plots/heatmap';
import { featureBars, projectionScatter } from '../plots/charts';
import { dimsPerFeaturePlot, linePlot } from '../plots/lines';
import { ScaleGroup } from '../plots/scaleGroup';
import { LoadedTable, loadTable, rowsOf } from '../tables';
import { download, el, fmt } from '../util';

export const HEATMAP_KINDS = new Set(['EQKE', 'EQKE_pos', 'EVOU', 'EU', 'WtW', 'W1', 'W2', 'W1W2', 'only_head',
  'all_heads_ablated', 'scores_readoff', 'head_order_reversed', 'neuron_contributions']);
export const PATTERN_KINDS = new Set(['hook_pattern', 'attention_pattern']);
/** A language model's per-head summaries from the factors (LmCircuits): short lists, always read as numbers. */
export const NUMBER_KINDS = new Set(['QK.svd', 'QK.top', 'QK.self', 'OV.svd', 'OV.top', 'OV.copying']);

export interface CardOptions {
  /** Load only once the card scrolls into view (the analysis page holds dozens). */
  lazy?: boolean;
  /** Every table of the checkpoint, for views that combine two (head_order with head_order_reversed). */
  index?: TableEntry[];
  /** The page's shared colour scales: a heatmap joins the group of its kind (one scale across instances/heads). */
  scales?: ScaleGroup;
}

export function tableCard(checkpointId: string, entry: TableEntry, options: CardOptions = {}): HTMLElement {
  const body = el('div', { class: 'card-body' }, el('p', { class: 'muted', text: 'loading …' }));
  const size = entry.rows && entry.cols ? `${entry.rows} × ${entry.cols}` : '';
  const png = el('button', { type: 'button', class: 'small', 'data-testid': 'export-png', text: 'PNG', disabled: true });
  const card = el('section', { class: 'table-card', 'data-testid': `table-${entry.name}`, 'data-table': entry.name, 'data-kind': entry.kind },
    el('header', {},
      el('h4', { text: entry.title || entry.name }),
      el('span', { class: 'muted small', text: `${entry.name}${size ? ' · ' + size : ''}` }),
      el('span', { class: 'exports' },
        el('a', { href: tableUrl(checkpointId, entry.name, 'csv'), download: `${entry.name}.csv`, 'data-testid': 'export-csv', text: 'CSV' }),
        el('a', { href: tableUrl(checkpointId, entry.name), download: `${entry.name}.json`, 'data-testid': 'export-json', text: 'JSON' }),
        png)),
    body);
  if (entry.error) {
    body.replaceChildren(el('p', { class: 'error', 'data-testid': 'failed-table-message', text: entry.error }));
    return card;
  }
  const load = async () => {
    try {
      const loaded = await loadTable(checkpointId, entry);
      const plot = await render(loaded, checkpointId, options.index ?? [], options.scales);
      body.replaceChildren(...[loaded.table.description ? el('p', { class: 'description', text: loaded.table.description }) : null, plot.element].filter(Boolean) as Node[]);
      card.dataset.loaded = 'true';
      if (plot.canvas) {
        png.disabled = false;
        png.addEventListener('click', () => plot.canvas!().toBlob((blob) => blob && download(`${entry.name}.png`, blob)));
      }
    } catch (e) {
      body.replaceChildren(el('p', { class: 'error', text: `Cannot load ${entry.name}: ${(e as Error).message}` }));
    }
  };
  if (options.lazy && 'IntersectionObserver' in window) {
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting)) { observer.disconnect(); load(); }
    }, { rootMargin: '300px' });
    observer.observe(card);
  } else {
    load();
  }
  return card;
}

interface Rendered { element: HTMLElement; canvas?: () => HTMLCanvasElement }

async function render(loaded: LoadedTable, checkpointId: string, index: TableEntry[], scales?: ScaleGroup): Promise<Rendered> {
  const t = loaded.table;
  if (t.kind === 'superposition_over_steps' && !loaded.big) {
    // rows are training steps, columns instances: a line per instance against the step, as it is read
    const steps = t.rowLabels.map(Number);
    const plot = linePlot({
      testid: 'steps-plot', title: t.title, xLabel: t.rowAxis || 'step', yLabel: 'features per dimension',
      x: steps, series: t.colLabels.map((c, j) => ({ label: c, values: t.values.map((row) => row[j]) })),
    });
    return { element: el('div', {}, plot.element, numberDetails(t.name, t.rowAxis, t.rowLabels, t.colLabels, t.values)), canvas: plot.canvas };
  }
  if (t.kind === 'dims_per_feature' && !loaded.big && t.colLabels.includes('1/(1−S)')) {
    // the TMS paper's plot: each instance at its own sparsity, with the plateaus its geometries sit on
    const iDims = t.colLabels.indexOf('m/‖W‖_F²'), iInv = t.colLabels.indexOf('1/(1−S)');
    const plot = dimsPerFeaturePlot(t.values.map((row) => ({ x: row[iInv], y: row[iDims], group: 'instances' })));
    return { element: el('div', {}, plot.element, numberDetails(t.name, t.rowAxis, t.rowLabels, t.colLabels, t.values)), canvas: plot.canvas };
  }
  if (t.kind.startsWith('proj_') && !loaded.big && t.colLabels.length >= 2) {
    const canvas = projectionScatter(t.name, t.rowLabels, t.values);
    return { element: canvas, canvas: () => canvas };
  }
  if (t.kind === 'feature_geometry' && !loaded.big) {
    const canvas = featureBars(t.name, t.rowLabels, t.colLabels, t.values);
    return { element: canvas, canvas: () => canvas };
  }
  if (t.kind === 'head_order') return headOrder(loaded, checkpointId, index);
  if (NUMBER_KINDS.has(t.kind) || (!HEATMAP_KINDS.has(t.kind) && !loaded.big && t.values.length * (t.values[0]?.length ?? 0) <= 120)) {
    // skip_trigram_gap, dims_per_feature, direct_logit_attribution, skip_trigrams: numbers are the point
    return { element: numberTable(t.name, t.rowAxis, t.rowLabels, t.colLabels, rowsOf(loaded)) };
  }
  const heatmap = new Heatmap(loaded.source, {
    name: t.name, rowAxis: t.rowAxis, colAxis: t.colAxis,
    overview: loaded.overview, maxSide: loaded.big ? 640 : 520,
  });
  await heatmap.render();
  scales?.join(t.kind, heatmap);
  return { element: heatmap.element, canvas: () => heatmap.canvas };
}

/** The numbers behind a plot, folded. */
function numberDetails(name: string, rowAxis: string, rowLabels: string[], colLabels: string[], values: number[][]): HTMLElement {
  return el('details', {}, el('summary', { class: 'small', text: 'numbers' }), numberTable(name, rowAxis, rowLabels, colLabels, values));
}

export function numberTable(name: string, rowAxis: string, rowLabels: string[], colLabels: string[], values: number[][]): HTMLElement {
  return el('table', { class: 'numbers', 'data-testid': 'number-table', 'data-table': name },
    el('thead', {}, el('tr', {}, el('th', { text: rowAxis || '' }), ...colLabels.map((c) => el('th', { text: c })))),
    el('tbody', {}, ...values.map((row, r) => el('tr', {}, el('th', { text: rowLabels[r] ?? String(r) }),
      ...row.map((v) => el('td', { class: 'num', text: fmt(v, 4), title: String(v) }))))));
}

/**
 * head_order: each head's ranking of the key tokens from the readoff (values are token ids), with the pairs that
 * head_order_reversed marks (seed 000's inverted attention preferences) flagged on both heads.
 */
async function headOrder(loaded: LoadedTable, checkpointId: string, index: TableEntry[]): Promise<Rendered> {
  const t = loaded.table;
  const partners = new Map<string, string[]>();
  if (index.some((e) => e.name === 'head_order_reversed' && !e.error)) {
    const reversed = (await loadTable(checkpointId, { name: 'head_order_reversed', rows: null, cols: null })).table;
    reversed.values.forEach((row, i) => row.forEach((v, j) => {
      if (v === 1 && i !== j) partners.set(reversed.rowLabels[i], [...(partners.get(reversed.rowLabels[i]) ?? []), reversed.colLabels[j]]);
    }));
  }
  const table = el('table', { class: 'numbers head-order', 'data-testid': 'head-order' },
    el('thead', {}, el('tr', {}, el('th', { text: t.rowAxis || 'head' }), ...t.colLabels.map((c) => el('th', { text: `${t.colAxis} ${c}` })), el('th', { text: 'reversed pair' }))),
    el('tbody', {}, ...t.values.map((row, r) => {
      const head = t.rowLabels[r];
      const pair = partners.get(head);
      return el('tr', { class: pair ? 'reversed' : '', 'data-head': head, 'data-reversed': pair ? 'true' : 'false' },
        el('th', { text: head }), ...row.map((v) => el('td', { class: 'num', text: fmt(v, 4) })),
        el('td', { 'data-testid': 'reversed-mark', text: pair ? `⇄ ${pair.join(', ')}` : '' }));
    })));
  return { element: table };
}
