// #/compare?ids=a,b,… : overlaid curves and the diff of the specs, computed here from each run's detail and metrics;
// and one circuit table of every run's final checkpoint (or of models given as &checkpoints=c,d) side by side on one
// colour scale with their difference (&table= picks it; &match=corr or abscorr pairs a per-head table's heads by
// similarity instead of by label).
import { ExperimentDetail, ExperimentSummary, MetricPoint, api } from '../api';
import { CurvesChart } from '../plots/curves';
import { Lifetime, download, el, flatten, fmt, metricOf, showError, statusBadge } from '../util';
import { Compared, TableChoice, compareTables } from './compareTables';

export interface SpecDiffRow { path: string; values: unknown[]; differs: boolean }

/** Every spec leaf across the runs; `differs` when not all runs agree (a missing leaf counts as a value). */
export function specDiff(specs: unknown[]): SpecDiffRow[] {
  const flat = specs.map((s) => flatten(s));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return paths.map((path) => {
    const values = flat.map((f) => f[path]);
    const first = JSON.stringify(values[0]);
    return { path, values, differs: values.some((v) => JSON.stringify(v) !== first) };
  });
}

export async function comparePage(root: HTMLElement, params: URLSearchParams, life: Lifetime) {
  const ids = (params.get('ids') ?? '').split(',').filter(Boolean);
  const picker = el('select', { 'data-testid': 'compare-add' }, el('option', { value: '', text: 'add a run …' }));
  picker.addEventListener('change', () => {
    if (!picker.value) return;
    const next = new URLSearchParams(params); // keeps &checkpoints=, &table= and &match=
    next.set('ids', [...ids, picker.value].join(','));
    location.hash = `#/compare?${next.toString()}`;
  });
  root.append(el('section', { 'data-testid': 'compare-view' }, el('div', { class: 'title-row' }, el('h2', { text: 'Compare runs' }), picker)));
  api<ExperimentSummary[]>('/api/experiments?limit=200').then((all) => picker.append(...all.filter((x) => !ids.includes(x.id))
    .map((x) => el('option', { value: x.id, text: `${x.name} · ${x.status} · ${x.id.slice(0, 8)}` })))).catch(() => {});
  const checkpointIds = (params.get('checkpoints') ?? '').split(',').filter(Boolean);
  const tablesBox = el('div');
  const showTables = async (runModels: Compared[]) => {
    const models = [...runModels, ...await Promise.all(checkpointIds.map(async (c) => {
      const m = await api<{ model: { name: string | null; step: number } }>(`/api/checkpoints/${c}`).catch(() => null);
      return { checkpointId: c, label: m?.model.name ? `${m.model.name} (${c.slice(0, 6)})` : c.slice(0, 8) };
    }))];
    const change = (changes: Partial<TableChoice>) => {
      const next = new URLSearchParams(params);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      location.hash = `#/compare?${next.toString()}`;
    };
    try {
      const section = await compareTables(models, { table: params.get('table'), match: params.get('match') }, change);
      if (life.alive) tablesBox.replaceChildren(section);
    } catch (e) {
      tablesBox.replaceChildren(el('p', { class: 'error', text: 'Cannot compare the tables: ' + (e as Error).message }));
    }
  };
  if (!ids.length) {
    if (checkpointIds.length) {
      root.append(tablesBox);
      await showTables([]);
      return;
    }
    root.append(el('p', { class: 'muted', text: 'Pick runs above, or select them in the experiment list.' }));
    return;
  }
  let runs: { detail: ExperimentDetail; points: MetricPoint[] }[];
  try {
    runs = await Promise.all(ids.map(async (id) => ({
      detail: await api<ExperimentDetail>(`/api/experiments/${id}`),
      points: await api<MetricPoint[]>(`/api/experiments/${id}/metrics`),
    })));
  } catch (e) {
    showError('Cannot load the runs: ' + (e as Error).message);
    return;
  }
  if (!life.alive) return;
  const labels = uniqueLabels(runs.map((r) => r.detail));
  const chart = new CurvesChart(560, 280);
  life.add(() => chart.destroy());
  const png = el('button', { type: 'button', class: 'small', 'data-testid': 'export-png', text: 'PNG' });
  png.addEventListener('click', () => chart.toCanvas('compared runs').toBlob((b) => b && download('compare-curves.png', b)));
  const diff = specDiff(runs.map((r) => r.detail.spec));
  const showAll = el('input', { type: 'checkbox', 'data-testid': 'diff-show-all' });
  const diffBody = el('tbody');
  const renderDiff = () => diffBody.replaceChildren(...diff.filter((d) => d.differs || showAll.checked).map((d) =>
    el('tr', { class: d.differs ? 'differs' : '', 'data-testid': 'diff-row', 'data-path': d.path },
      el('th', { text: d.path }), ...d.values.map((v) => el('td', { text: v === undefined ? '—' : JSON.stringify(v) })))));
  showAll.addEventListener('change', renderDiff);
  const json = el('button', { type: 'button', class: 'small', 'data-testid': 'export-json', text: 'JSON' });
  json.addEventListener('click', () => download('compare-spec-diff.json', new Blob([JSON.stringify(diff, null, 2)], { type: 'application/json' })));
  root.append(
    el('table', { class: 'list', 'data-testid': 'compare-runs' },
      el('thead', {}, el('tr', {}, ...['run', 'status', 'step', 'loss', 'accuracy', ''].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...runs.map((r, i) => el('tr', {},
        el('td', {}, el('a', { href: `#/experiments/${r.detail.id}`, text: labels[i] })),
        el('td', {}, statusBadge(r.detail.status)), el('td', { class: 'num', text: r.detail.step }),
        el('td', { class: 'num', text: fmt(metricOf(r.detail.lastMetrics, 'loss')) }),
        el('td', { class: 'num', text: fmt(metricOf(r.detail.lastMetrics, 'accuracy')) }),
        el('td', {}, el('a', { href: `#/compare?ids=${ids.filter((x) => x !== r.detail.id).join(',')}`, text: 'remove' })))))),
    el('h3', {}, 'Curves ', el('span', { class: 'exports' }, png)), chart.element,
    el('h3', {}, 'Spec diff ', el('label', { class: 'small' }, showAll, ' show equal fields'), ' ', el('span', { class: 'exports' }, json)),
    el('table', { class: 'numbers diff', 'data-testid': 'spec-diff' },
      el('thead', {}, el('tr', {}, el('th', { text: 'field' }), ...labels.map((l) => el('th', { text: l })))), diffBody),
    el('p', { class: 'muted small', text: `${diff.filter((d) => d.differs).length} fields differ` }));
  root.append(tablesBox);
  renderDiff();
  showTables(runs.filter((r) => r.detail.checkpoints?.finalCheckpointId || r.detail.checkpoints?.latestCheckpointId)
    .map((r) => ({ checkpointId: (r.detail.checkpoints.finalCheckpointId ?? r.detail.checkpoints.latestCheckpointId)!, label: labels[runs.indexOf(r)] })));
  chart.setRuns(runs.map((r, i) => ({ label: labels[i], points: r.points })));
}

/** Run names, with the id's start appended where two runs share a name (sweeps). */
export function uniqueLabels(runs: { name: string; id: string; seed: number }[]): string[] {
  return runs.map((r) => runs.filter((q) => q.name === r.name).length > 1 ? `${r.name} (${r.id.slice(0, 6)})` : r.name);
}
