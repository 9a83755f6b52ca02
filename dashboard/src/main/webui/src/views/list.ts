// #/ : the experiments, refreshed every two seconds, filtered by task / status / tag / name, sweeps grouped.
import { ExperimentSummary, RUN_STATUSES, api } from '../api';
import { Lifetime, el, fmt, metricOf, showError, statusBadge } from '../util';

const POLL_MS = 2000;
const TASKS = ['xor', 'ov-coherent', 'addition', 'tms', 'cis'];
const filters = { status: '', task: '', tag: '', q: '' };
const selected = new Set<string>();
const collapsed = new Set<string>();

export function listPage(root: HTMLElement, life: Lifetime) {
  const select = (name: keyof typeof filters, options: string[], testid: string) => {
    const s = el('select', { 'data-testid': testid }, el('option', { value: '', text: 'all' }),
      ...options.map((o) => el('option', { value: o, text: o })));
    s.value = filters[name];
    s.addEventListener('change', () => { filters[name] = s.value; refresh(); });
    return s;
  };
  const search = el('input', { type: 'search', 'data-testid': 'filter-q', placeholder: 'name or preset', value: filters.q });
  search.addEventListener('input', () => { filters.q = search.value.trim(); refresh(); });
  const tag = el('input', { type: 'search', 'data-testid': 'filter-tag', placeholder: 'tag', list: 'known-tags', value: filters.tag });
  tag.addEventListener('input', () => { filters.tag = tag.value.trim(); refresh(); });
  const knownTags = el('datalist', { id: 'known-tags' });
  const compare = el('button', { type: 'button', 'data-testid': 'compare-selected', text: 'Compare selected', disabled: true });
  compare.addEventListener('click', () => { location.hash = `#/compare?ids=${[...selected].join(',')}`; });
  const tbody = el('tbody');
  const empty = el('p', { class: 'muted', 'data-testid': 'no-experiments', hidden: true },
    'No experiments match. ', el('a', { href: '#/new', text: 'Start one' }), '.');
  root.append(el('section', { 'data-testid': 'experiments-view' },
    el('div', { class: 'title-row' }, el('h2', { text: 'Experiments' }),
      el('a', { class: 'button', href: '#/new', 'data-testid': 'new-experiment', text: 'New experiment' })),
    el('div', { class: 'filters' },
      el('label', {}, 'task ', select('task', TASKS, 'filter-task')),
      el('label', {}, 'status ', select('status', RUN_STATUSES, 'filter-status')),
      el('label', {}, 'tag ', tag, knownTags),
      el('label', {}, 'search ', search),
      compare),
    el('table', { class: 'list', 'data-testid': 'experiments-table' },
      el('thead', {}, el('tr', {}, ...['', 'name', 'preset', 'task', 'seed', 'status', 'step', 'loss', 'accuracy', 'backend', 'submitted']
        .map((h) => el('th', { text: h })))),
      tbody),
    empty));

  async function refresh() {
    const params = new URLSearchParams();
    if (filters.status) params.set('status', filters.status);
    if (filters.task) params.set('task', filters.task);
    let experiments: ExperimentSummary[];
    try {
      // tags live in the search text until the API filters by tag (see the report)
      const q = filters.q || (filters.tag ? filters.tag : '');
      if (q) params.set('q', q);
      experiments = await api<ExperimentSummary[]>('/api/experiments?' + params);
    } catch (e) {
      showError('Cannot list experiments: ' + (e as Error).message);
      return;
    }
    if (!life.alive) return;
    showError(null);
    const tags = [...new Set(experiments.flatMap((x) => x.tags ?? []))].sort();
    knownTags.replaceChildren(...tags.map((t) => el('option', { value: t })));
    if (filters.tag) experiments = experiments.filter((x) => !x.tags || x.tags.some((t) => t.includes(filters.tag)));
    tbody.replaceChildren(...grouped(experiments).flatMap((group) => group.sweepId ? [sweepRow(group.sweepId, group.runs), ...(collapsed.has(group.sweepId) ? [] : group.runs.map((x) => row(x, true)))]
      : group.runs.map((x) => row(x, false))));
    empty.hidden = experiments.length > 0;
    compare.disabled = selected.size < 2;
  }

  function sweepRow(sweepId: string, runs: ExperimentSummary[]) {
    const counts = RUN_STATUSES.map((s) => [s, runs.filter((x) => x.status === s).length] as const).filter(([, n]) => n);
    const toggle = el('button', { type: 'button', class: 'small', text: collapsed.has(sweepId) ? '▸' : '▾' });
    toggle.addEventListener('click', () => { collapsed.has(sweepId) ? collapsed.delete(sweepId) : collapsed.add(sweepId); refresh(); });
    return el('tr', { class: 'sweep-row', 'data-testid': 'sweep-row', 'data-sweep': sweepId },
      el('td', {}, toggle),
      el('td', { colspan: 10 }, el('a', { href: `#/sweeps/${sweepId}`, 'data-testid': 'sweep-link', text: `sweep ${sweepId.slice(0, 8)}` }),
        ` · ${runs.length} runs · `, ...counts.flatMap(([s, n]) => [statusBadge(s), ` ${n} `])));
  }

  function row(x: ExperimentSummary, inSweep: boolean) {
    const box = el('input', { type: 'checkbox', 'data-testid': 'select-experiment', checked: selected.has(x.id), title: 'select to compare' });
    box.addEventListener('change', () => { box.checked ? selected.add(x.id) : selected.delete(x.id); compare.disabled = selected.size < 2; });
    return el('tr', { 'data-testid': 'experiment-row', 'data-id': x.id, 'data-status': x.status, class: inSweep ? 'in-sweep' : '' },
      el('td', {}, box),
      el('td', {}, el('a', { href: `#/experiments/${x.id}`, 'data-testid': 'experiment-link', text: x.name })),
      el('td', { text: x.preset || '' }),
      el('td', { text: x.task }),
      el('td', { class: 'num', text: x.seed }),
      el('td', {}, statusBadge(x.status)),
      el('td', { class: 'num', 'data-testid': 'step', text: x.totalSteps ? `${x.step} / ${x.totalSteps}` : x.step }),
      el('td', { class: 'num', 'data-testid': 'loss', text: fmt(metricOf(x.lastMetrics, 'loss')) }),
      el('td', { class: 'num', 'data-testid': 'accuracy', text: fmt(metricOf(x.lastMetrics, 'accuracy')) }),
      el('td', { text: x.backend || '' }),
      el('td', { class: 'muted', text: new Date(x.createdAt).toLocaleString() }));
  }

  refresh();
  life.interval(refresh, POLL_MS);
}

/** Runs of one sweep together (at the place of its newest run), other runs alone; the order stays newest first. */
export function grouped(experiments: ExperimentSummary[]): { sweepId: string | null; runs: ExperimentSummary[] }[] {
  const groups: { sweepId: string | null; runs: ExperimentSummary[] }[] = [];
  const bySweep = new Map<string, ExperimentSummary[]>();
  for (const x of experiments) {
    const sweepId = x.sweepId ?? null;
    if (!sweepId) { groups.push({ sweepId: null, runs: [x] }); continue; }
    let runs = bySweep.get(sweepId);
    if (!runs) { runs = []; bySweep.set(sweepId, runs); groups.push({ sweepId, runs }); }
    runs.push(x);
  }
  return groups;
}
