// #/reproductions : every claim of the seeds (dashboard resource reproductions/claims.json) beside the lab's figure.
// Every number on this page comes from GET /api/reproductions, which computes it from the runs in the database and
// their analysis tables; the buttons submit the claim's preset through POST /api/experiments with a seed grid.
import { api, postJson } from '../api';
import { Lifetime, el, fmt, showError } from '../util';

const POLL_MS = 3000;

export interface BaselineFigure { experimentId: string; name: string; status: string; measured?: number; missing?: string }
export interface SeriesPoint { row: string; value?: number; baseline?: number }

export interface RunFigure {
  experimentId: string; name: string; seed: number; status: string; createdAt: string;
  value?: number; agrees?: boolean; missing?: string;
  // comparison claims: this run's own measure, the baseline run of its seed, and both per table row
  measured?: number; baseline?: BaselineFigure; series?: SeriesPoint[];
}

export interface ClaimView {
  id: string; source: string; claim: string; seedFigure: string; preset: string;
  overrides?: Record<string, unknown>; seeds: number; measure: string; agreeWhen: string; notes?: string;
  request: Record<string, unknown>; latest?: RunFigure; seedsAgree: number; seedsMeasured: number; runs: RunFigure[];
  compare?: string;
}

/**
 * The body that runs a claim's preset with seeds 1…n (a grid, so that a preset's own default grid is not used); a
 * comparison claim's request already has a grid over the compared field (baseline and claim), the seeds are added.
 */
export function runRequest(c: ClaimView, n: number): Record<string, unknown> {
  const grid = (c.request.grid ?? {}) as Record<string, unknown>;
  return { ...c.request, grid: { ...grid, seed: Array.from({ length: n }, (_, i) => i + 1) } };
}

/** A comparison claim's latest run beside its baseline, row by row (e.g. one row per instance of a sparsity sweep). */
function seriesView(c: ClaimView): HTMLElement | null {
  const r = c.latest;
  if (!c.compare || !r?.series?.length) return null;
  return el('details', { 'data-testid': 'claim-series' },
    el('summary', { text: `per row: seed ${r.seed}, claim ${fmt(r.measured, 4)} against baseline ${fmt(r.baseline?.measured, 4)}` }),
    el('table', { class: 'runs small' },
      el('thead', {}, el('tr', {}, ...['row', 'baseline', 'claim'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...r.series.map((p) => el('tr', {},
        el('td', { text: p.row }), el('td', { text: fmt(p.baseline, 4) }), el('td', { text: fmt(p.value, 4) }))))));
}

function runChip(r: RunFigure): HTMLElement {
  const mark = r.value == null ? '…' : r.agrees ? '✓' : '✗';
  return el('a', {
    href: `#/experiments/${r.experimentId}`, class: `chip ${r.value == null ? 'muted' : r.agrees ? 'ok' : 'error'}`,
    'data-testid': 'claim-run', 'data-experiment': r.experimentId,
    title: r.value == null ? `${r.status}: ${r.missing ?? ''}` : `seed ${r.seed}: ${r.value}`,
    text: `seed ${r.seed} ${r.value == null ? r.status.toLowerCase() : fmt(r.value, 4)} ${mark}`,
  });
}

function claimRow(c: ClaimView, refresh: () => void): HTMLElement {
  const n = el('input', { type: 'number', min: '1', max: '20', value: String(c.seeds), class: 'small',
    'data-testid': 'claim-seeds', 'aria-label': 'seeds' });
  const submit = async (seeds: number) => {
    try {
      await postJson('/api/experiments', runRequest(c, seeds));
      showError(null);
      refresh();
    } catch (e) {
      showError(`Could not start ${c.preset}: ${(e as Error).message}`);
    }
  };
  const run = el('button', { type: 'button', 'data-testid': 'claim-run-once', text: 'Run' });
  run.addEventListener('click', () => submit(1));
  const rerun = el('button', { type: 'button', 'data-testid': 'claim-rerun', text: 'Re-run with N seeds' });
  rerun.addEventListener('click', () => submit(Math.max(1, Math.min(20, Number(n.value) || 1))));
  const latest = c.latest
    ? el('a', { href: `#/experiments/${c.latest.experimentId}`, 'data-testid': 'claim-latest',
      class: c.latest.agrees ? 'ok' : 'error', text: fmt(c.latest.value, 4) })
    : el('span', { class: 'muted', 'data-testid': 'claim-latest', text: 'not measured yet' });
  return el('tr', { 'data-testid': `claim-${c.id}`, 'data-claim': c.id },
    el('td', {}, el('strong', { text: c.source }), el('div', { class: 'muted small', text: c.id })),
    el('td', {}, el('div', { text: c.claim }), c.notes ? el('div', { class: 'muted small', text: c.notes }) : null),
    el('td', { text: c.seedFigure }),
    el('td', {}, el('a', { href: `#/new?preset=${encodeURIComponent(c.preset)}`, text: c.preset }),
      c.overrides ? el('div', { class: 'muted small', text: JSON.stringify(c.overrides) }) : null),
    el('td', {}, latest, el('div', { class: 'muted small', text: `${c.measure}; agrees when ${c.agreeWhen}` }),
      c.compare ? el('div', { class: 'muted small', 'data-testid': 'claim-compare', text: `compares ${c.compare}` }) : null,
      seriesView(c)),
    el('td', { 'data-testid': 'claim-agreement',
      text: c.seedsMeasured ? `${c.seedsAgree} of ${c.seedsMeasured} seeds agree` : 'no seed measured' }),
    el('td', { class: 'chips' }, ...c.runs.slice(0, 12).map(runChip),
      c.runs.length > 12 ? el('span', { class: 'muted', text: ` +${c.runs.length - 12} more` }) : null),
    el('td', {}, run, el('div', {}, n, rerun)));
}

export function reproductionsPage(root: HTMLElement, life: Lifetime) {
  const tbody = el('tbody');
  const refresh = async () => {
    try {
      const claims = await api<ClaimView[]>('/api/reproductions');
      if (!life.alive) return;
      tbody.replaceChildren(...claims.map((c) => claimRow(c, refresh)));
    } catch (e) {
      showError('Cannot load the claims: ' + (e as Error).message);
    }
  };
  root.append(el('section', { 'data-testid': 'reproductions-view' },
    el('h2', { text: 'Reproductions' }),
    el('p', { class: 'muted', text: 'Each claim of the seeds, the preset that tests it and the lab\'s own figure, '
      + 'computed from the runs (metrics, or the circuit tables of their latest analysed checkpoint). A run '
      + 'agrees when its figure is in the claim\'s range; each seed counts once (its newest run).' }),
    el('table', { class: 'runs', 'data-testid': 'claims-table' },
      el('thead', {}, el('tr', {}, ...['Seed', 'Claim', 'Seed\'s figure', 'Preset', 'Lab\'s latest figure',
        'Agreement', 'Runs', ''].map((h) => el('th', { text: h })))),
      tbody)));
  refresh();
  life.interval(refresh, POLL_MS);
}
