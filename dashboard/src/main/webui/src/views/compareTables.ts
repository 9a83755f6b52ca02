// The compare page's tables: the same circuit table of two or more models side by side on ONE colour scale, and
// the difference of the first with each other (A − B), rows and columns matched by label (never by index): head
// L0H3 of one run faces L0H3 of the other, and a label only one table has is a grey cell with no value, said below.
// For a per-head table (EQKE.L0H1, proj_Q.L0H1, OV.L0H1.svd, …) "match heads" pairs the heads of the first model's
// layer with those of each other model by the similarity of their tables of that kind instead (headMatch.ts), and
// shows every matched pair side by side with its difference.
import { AnalysisIndex, CircuitTable, TableEntry, api, tableUrl } from '../api';
import { ColourScale } from '../plots/colour';
import { Heatmap, InMemorySource, naturalScale } from '../plots/heatmap';
import { Matrix, fromRows, maxAbs, minValue } from '../plots/matrix';
import { unionScale } from '../plots/scaleGroup';
import { BIG_CELLS } from '../tables';
import { el, fmt } from '../util';
import { HeadTable, MEASURES, Measure, headTable, headTableName, isMeasure, matchHeads } from './headMatch';
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

/** The compare page's choices: the table (&table=) and the head matching's measure (&match=, absent: by label). */
export interface TableChoice { table: string | null; match: string | null }

interface Axes { rows: string[]; cols: string[]; rowAxis: string; colAxis: string }

/** One heatmap of the page, titled, on a fixed colour scale or (undefined) its own. */
async function tableCell(name: string, m: Matrix, axes: Axes, scale: ColourScale | undefined, testid: string, label: string,
                         maxSide = 380): Promise<HTMLElement> {
  const h = new Heatmap(new InMemorySource(m, maxAbs(m), axes.rows, axes.cols), {
    name, rowAxis: axes.rowAxis, colAxis: axes.colAxis, maxSide, scale,
  });
  await h.render();
  return el('div', { class: 'compare-cell', 'data-testid': testid, 'data-label': label }, el('h4', { text: name }), h.element);
}

/** The union scale of the matrices' own scales. */
const oneScale = (ms: Matrix[]) => unionScale(ms.map((m) => naturalScale({ maxAbs: maxAbs(m), minValue: minValue(m) })));

/** The section; `choice.table` is the table asked for in the URL, else the first heatmap all models have. */
export async function compareTables(models: Compared[], choice: TableChoice,
                                    onChange: (changes: Partial<TableChoice>) => void): Promise<HTMLElement> {
  const wanted = choice.table;
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
  select.addEventListener('change', () => onChange({ table: select.value }));
  const controls = el('div', { class: 'title-row' }, el('label', {}, 'table ', select));
  box.append(controls);
  if (wanted && !common.includes(wanted)) {
    box.append(el('p', { class: 'error', text: `Not every model has a table ${wanted}; showing ${table}.` }));
  }
  const head = headTable(table);
  const measure = head && isMeasure(choice.match) ? choice.match : null;
  if (head) {
    const toggle = el('input', { type: 'checkbox', 'data-testid': 'compare-match-heads' });
    toggle.checked = measure !== null;
    const by = el('select', { 'data-testid': 'compare-match-measure' },
      ...Object.entries(MEASURES).map(([value, text]) => el('option', { value, text })));
    by.value = measure ?? 'corr';
    toggle.addEventListener('change', () => onChange({ match: toggle.checked ? by.value : null }));
    by.addEventListener('change', () => { if (toggle.checked) onChange({ match: by.value }); });
    controls.append(el('label', { class: 'small' }, toggle, ` match heads of layer ${head.layer} by `), by);
  }
  if (head && measure) {
    box.append(...await matchedHeads(models, indexes, usable, head, measure));
    return box;
  }
  const tables = await Promise.all(models.map((m) => api<CircuitTable>(tableUrl(m.checkpointId, table))));
  const rows = unionLabels(tables.map((t) => t.rowLabels.map(String)));
  const cols = unionLabels(tables.map((t) => t.colLabels.map(String)));
  const axes = { rows, cols, rowAxis: tables[0].rowAxis, colAxis: tables[0].colAxis };
  const matrices = tables.map((t) => aligned(t, rows, cols));
  const scale = oneScale(matrices);
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
        : sameOrder ? 'Every table has the same labels in the same order.' : 'Every table has the same labels; the others are reordered to the first one\'s order.')
      + (head ? ` Head ${head.label} is compared with head ${head.label}: "match heads" pairs heads by what their tables do instead.` : '') });
  const side = await Promise.all(matrices.map((m, i) => tableCell(`${models[i].label} · ${table}`, m, axes, scale, 'compare-table', models[i].label)));
  const diffs = await Promise.all(matrices.slice(1).map((m, i) => tableCell(`${models[0].label} − ${models[i + 1].label}`,
    difference(matrices[0], m), axes, undefined, 'compare-difference', `${models[0].label} − ${models[i + 1].label}`)));
  box.append(note,
    el('p', { class: 'muted small', text: `One colour scale for the ${models.length} tables (${scale.kind}, up to ${scale.max.toPrecision(3)}); each difference has its own.` }),
    el('div', { class: 'small-multiples', 'data-testid': 'compare-grid' }, ...side),
    el('h4', { text: 'Difference A − B' }),
    el('div', { class: 'small-multiples', 'data-testid': 'compare-differences' }, ...diffs));
  return box;
}

/**
 * Heads of one layer matched across the models: every head of the first model (A) with the head of each other model
 * whose table of the same family is most alike, one to one (headMatch.ts); the matching as a table beside the
 * pairing by label, the similarity of every pair as a heatmap, then each matched pair side by side (one colour scale)
 * with its difference.
 */
async function matchedHeads(models: Compared[], indexes: AnalysisIndex[], usable: (e: TableEntry) => boolean,
                            head: HeadTable, measure: Measure): Promise<HTMLElement[]> {
  const headsOf = (ix: AnalysisIndex) => ix.tables.filter(usable).map((e) => headTable(e.name))
    .filter((h): h is HeadTable => h !== null && h.family === head.family && h.layer === head.layer)
    .sort((x, y) => x.head - y.head).map((h) => h.label);
  const labels = indexes.map(headsOf);
  const tables = await Promise.all(models.map((m, i) => Promise.all(labels[i].map((l) =>
    api<CircuitTable>(tableUrl(m.checkpointId, headTableName(head.family, l)))))));
  const all = tables.flat();
  const axes = { rows: unionLabels(all.map((t) => t.rowLabels.map(String))), cols: unionLabels(all.map((t) => t.colLabels.map(String))),
    rowAxis: all[0].rowAxis, colAxis: all[0].colAxis };
  const heads = tables.map((ts, i) => ts.map((t, k) => ({ label: labels[i][k], values: aligned(t, axes.rows, axes.cols) })));
  const matchings = heads.slice(1).map((b) => matchHeads(heads[0], b, measure));
  const kind = headTableName(head.family, 'LlHh');
  const out: HTMLElement[] = [el('p', { class: 'muted small', 'data-testid': 'compare-head-note', text:
    `Heads of layer ${head.layer} matched by ${MEASURES[measure]}: the Pearson correlation of the label-aligned values of `
    + `two heads' ${kind} tables (cells both have${measure === 'abscorr' ? ', sign ignored' : ''}), then the one-to-one `
    + 'pairing with the largest total (Hungarian method); layers are matched separately. |corr| is for kinds whose sign '
    + 'the model does not fix: a head\'s EQKE and EVOU are products W_Q·W_K and W_V·W_O and keep their sign, its '
    + 'projections onto one factor (proj_Q/K/V/O) or singular vectors flip with the head\'s basis. A constant table '
    + 'has no correlation (—, counted as 0).' })];
  // the models by letter (A, B, …) in this section's titles, named once in a legend: their labels are long
  const letter = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : `#${i + 1}`);
  out.push(el('p', { class: 'small', 'data-testid': 'compare-head-legend' },
    ...models.flatMap((m, i) => [i ? ' · ' : '', el('b', { text: letter(i) }), ` = ${m.label}`])));
  const A = letter(0);
  for (const [k, matching] of matchings.entries()) {
    const B = letter(k + 1);
    const bHeads = heads[k + 1];
    const sim = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
    const rows = heads[0].map((a, i) => {
      const j = matching.match[i];
      const same = bHeads.findIndex((b) => b.label === a.label);
      return el('tr', { 'data-testid': 'head-match', 'data-a': a.label, 'data-b': j >= 0 ? bHeads[j].label : '',
        'data-similarity': j >= 0 ? matching.similarity[i][j] : NaN, 'data-identity': same >= 0 ? matching.similarity[i][same] : NaN },
      el('td', { text: `${A}.${a.label}` }), el('td', { text: '↔' }), el('td', { text: j >= 0 ? `${B}.${bHeads[j].label}` : 'no head left' }),
      el('td', { class: 'num', text: j >= 0 ? sim(matching.similarity[i][j]) : '' }),
      el('td', { class: 'num muted', text: same >= 0 ? sim(matching.similarity[i][same]) : 'no such head' }));
    });
    const unmatched = bHeads.filter((_, j) => !matching.match.includes(j)).map((b) => `${B}.${b.label}`);
    const simMatrix = fromRows(matching.similarity);
    out.push(el('h4', { text: `Heads of ${A} ↔ ${B}` }),
      el('div', { class: 'small-multiples' },
        el('table', { class: 'numbers', 'data-testid': 'head-matching', 'data-model': models[k + 1].label, 'data-total': matching.total,
          'data-identity-total': matching.identityTotal },
        el('thead', {}, el('tr', {}, ...[A, '', `matched in ${B}`, MEASURES[measure], `${MEASURES[measure]} by label`].map((h) => el('th', { text: h })))),
        el('tbody', {}, ...rows),
        el('tfoot', {}, el('tr', {}, el('th', { text: 'total' }), el('td'), el('td'), el('td', { class: 'num', text: fmt(matching.total, 4) }),
          el('td', { class: 'num muted', text: fmt(matching.identityTotal, 4) })))),
        await tableCell(`${MEASURES[measure]} of ${A}'s heads × ${B}'s`, simMatrix,
          { rows: heads[0].map((h) => h.label), cols: bHeads.map((h) => h.label), rowAxis: `head of ${A}`, colAxis: `head of ${B}` },
          { kind: 'diverging', max: 1 }, 'head-similarity', models[k + 1].label, 260)));
    if (unmatched.length) {
      out.push(el('p', { class: 'muted small', 'data-testid': 'head-unmatched', text: `Not matched (fewer heads in ${A}): ${unmatched.join(', ')}.` }));
    }
  }
  // every matched pair: A's head, its match in each other model (one colour scale for all), and the differences
  const partners = heads[0].map((_, i) => matchings.map((mt, k) => (mt.match[i] >= 0 ? heads[k + 1][mt.match[i]] : null)));
  const scale = oneScale([...heads[0].map((h) => h.values), ...partners.flat().filter((p) => p !== null).map((p) => p!.values)]);
  out.push(el('h4', { text: 'Matched heads side by side, and A − B' }),
    el('p', { class: 'muted small', text: `One colour scale for every head's table (${scale.kind}, up to ${scale.max.toPrecision(3)}); each difference has its own.` }));
  for (const [i, a] of heads[0].entries()) {
    const name = (label: string) => headTableName(head.family, label);
    const cells = [await tableCell(`${A} · ${name(a.label)}`, a.values, axes, scale, 'compare-table', models[0].label, 260)];
    for (const [k, b] of partners[i].entries()) {
      if (b) cells.push(await tableCell(`${letter(k + 1)} · ${name(b.label)}`, b.values, axes, scale, 'compare-table', models[k + 1].label, 260));
    }
    for (const [k, b] of partners[i].entries()) {
      if (b) cells.push(await tableCell(`${A}.${a.label} − ${letter(k + 1)}.${b.label}`, difference(a.values, b.values), axes, undefined,
        'compare-difference', `${models[0].label} − ${models[k + 1].label}`, 260));
    }
    out.push(el('div', { class: 'small-multiples', 'data-testid': 'matched-pair', 'data-head': a.label,
      'data-partners': partners[i].map((p) => p?.label ?? '').join(',') }, ...cells));
  }
  return out;
}
