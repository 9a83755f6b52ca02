// The compare page's tables: the same circuit table of two or more models side by side on ONE colour scale, and
// the difference of the first with each other (A − B), rows and columns matched by label (never by index): head
// L0H3 of one run faces L0H3 of the other, and a label only one table has is a grey cell with no value, said below.
import { AnalysisIndex, CircuitTable, TableEntry, api, tableUrl } from '../api';
import { Heatmap, InMemorySource, naturalScale } from '../plots/heatmap';
import { Matrix, maxAbs, minValue } from '../plots/matrix';
import { unionScale } from '../plots/scaleGroup';
import { BIG_CELLS } from '../tables';
import { el } from '../util';
import { HEATMAP_KINDS } from './tableCard';

export interface Compared { label: string; checkpointId: string }

/** Labels of every table in order of first appearance: the first table's order, then what the others add. */
export function unionLabels(lists: string[][]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const list of lists) for (const l of list) if (!seen.has(l)) { seen.add(l); out.push(l); }
  return out;
}

/** A table's values re-indexed onto the given row and column labels (NaN where it has no such label). */
export function aligned(t: CircuitTable, rows: string[], cols: string[]): Matrix {
  const r = new Map(t.rowLabels.map((l, i) => [String(l), i]));
  const c = new Map(t.colLabels.map((l, j) => [String(l), j]));
  const data = new Float32Array(rows.length * cols.length).fill(NaN);
  rows.forEach((rl, i) => {
    const ti = r.get(rl);
    if (ti === undefined) return;
    cols.forEach((cl, j) => {
      const tj = c.get(cl);
      if (tj !== undefined) data[i * cols.length + j] = t.values[ti][tj] ?? NaN;
    });
  });
  return { rows: rows.length, cols: cols.length, data };
}

export function difference(a: Matrix, b: Matrix): Matrix {
  return { rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v - b.data[i]) };
}

/** The section; `wanted` is the table asked for in the URL (?table=), else the first heatmap all models have. */
export async function compareTables(models: Compared[], wanted: string | null, onPick: (table: string) => void): Promise<HTMLElement> {
  const box = el('section', { 'data-testid': 'compare-tables' }, el('h3', { text: 'A table side by side' }));
  if (models.length < 2) {
    box.append(el('p', { class: 'muted', text: 'Add a second model with a circuit table to compare tables.' }));
    return box;
  }
  const indexes = await Promise.all(models.map((m) => api<AnalysisIndex>(`/api/checkpoints/${m.checkpointId}/analysis`)
    .catch(() => ({ tables: [] as TableEntry[] } as unknown as AnalysisIndex))));
  const usable = (e: TableEntry) => !e.error && (e.rows ?? 0) * (e.cols ?? 0) > 0 && (e.rows ?? 0) * (e.cols ?? 0) <= BIG_CELLS;
  const common = indexes[0].tables.filter(usable).map((e) => e.name)
    .filter((name) => indexes.every((ix) => ix.tables.some((e) => e.name === name && usable(e))));
  if (!common.length) {
    box.append(el('p', { class: 'muted', 'data-testid': 'compare-no-table', text: 'These models have no circuit table in common (yet): '
      + indexes.map((ix, i) => `${models[i].label}: ${ix.tables.length} tables`).join(', ') + '.' }));
    return box;
  }
  const kindOf = (name: string) => indexes[0].tables.find((e) => e.name === name)!.kind;
  const table = wanted && common.includes(wanted) ? wanted : common.find((n) => HEATMAP_KINDS.has(kindOf(n))) ?? common[0];
  const select = el('select', { 'data-testid': 'compare-table-select' }, ...common.map((n) => el('option', { value: n, text: n })));
  select.value = table;
  select.addEventListener('change', () => onPick(select.value));
  box.append(el('label', {}, 'table ', select));
  if (wanted && !common.includes(wanted)) {
    box.append(el('p', { class: 'error', text: `Not every model has a table ${wanted}; showing ${table}.` }));
  }
  const tables = await Promise.all(models.map((m) => api<CircuitTable>(tableUrl(m.checkpointId, table))));
  const rows = unionLabels(tables.map((t) => t.rowLabels.map(String)));
  const cols = unionLabels(tables.map((t) => t.colLabels.map(String)));
  const matrices = tables.map((t) => aligned(t, rows, cols));
  const scale = unionScale(matrices.map((m) => naturalScale({ maxAbs: maxAbs(m), minValue: minValue(m) })));
  const missing = (labels: string[], of: (t: CircuitTable) => string[]) => labels.filter((l) => !tables.every((t) => of(t).map(String).includes(l)));
  const rowsMissing = missing(rows, (t) => t.rowLabels), colsMissing = missing(cols, (t) => t.colLabels);
  const sameOrder = tables.every((t) => t.rowLabels.join('\u0000') === tables[0].rowLabels.join('\u0000')
    && t.colLabels.join('\u0000') === tables[0].colLabels.join('\u0000'));
  const note = el('p', { class: 'muted small', 'data-testid': 'compare-alignment',
    'data-rows-missing': rowsMissing.join(','), 'data-cols-missing': colsMissing.join(','),
    text: `Rows (${tables[0].rowAxis || 'rows'}) and columns (${tables[0].colAxis || 'columns'}) are matched by label. `
      + (rowsMissing.length || colsMissing.length
        ? `Only some of the tables have ${[rowsMissing.length ? `row${rowsMissing.length > 1 ? 's' : ''} ${rowsMissing.join(', ')}` : '',
          colsMissing.length ? `column${colsMissing.length > 1 ? 's' : ''} ${colsMissing.join(', ')}` : ''].filter(Boolean).join(' and ')}: `
          + 'grey cells have no value, and no difference is taken there.'
        : sameOrder ? 'Every table has the same labels in the same order.' : 'Every table has the same labels; the others are reordered to the first one\'s order.') });
  const heatmap = async (name: string, m: Matrix, fixed: typeof scale | undefined, testid: string, label: string) => {
    const h = new Heatmap(new InMemorySource(m, maxAbs(m), rows, cols), {
      name, rowAxis: tables[0].rowAxis, colAxis: tables[0].colAxis, maxSide: 380, scale: fixed,
    });
    await h.render();
    return el('div', { class: 'compare-cell', 'data-testid': testid, 'data-label': label }, el('h4', { text: name }), h.element);
  };
  const side = await Promise.all(matrices.map((m, i) => heatmap(`${models[i].label} · ${table}`, m, scale, 'compare-table', models[i].label)));
  const diffs = await Promise.all(matrices.slice(1).map((m, i) => heatmap(`${models[0].label} − ${models[i + 1].label}`,
    difference(matrices[0], m), undefined, 'compare-difference', `${models[0].label} − ${models[i + 1].label}`)));
  box.append(note,
    el('p', { class: 'muted small', text: `One colour scale for the ${models.length} tables (${scale.kind}, up to ${scale.max.toPrecision(3)}); each difference has its own.` }),
    el('div', { class: 'small-multiples', 'data-testid': 'compare-grid' }, ...side),
    el('h4', { text: 'Difference A − B' }),
    el('div', { class: 'small-multiples', 'data-testid': 'compare-differences' }, ...diffs));
  return box;
}
