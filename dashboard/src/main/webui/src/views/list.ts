// #/ : the experiments, refreshed every two seconds, filtered by task / status / tag / name, sorted and paged by
// the server (every run reachable, no silent cap), sweeps grouped within the page; queued runs show their place in
// the queue and ETA, finished ones their duration; any run can be cloned into the new-experiment form.
import { ExperimentSummary, Page, RUN_STATUSES, apiPage } from '../api';
import { Lifetime, duration, el, fmt, fromNow, metricOf, pager, showError, statusBadge } from '../util';

const POLL_MS = 2000;
const TASKS = ['xor', 'ov-coherent', 'addition', 'tms', 'cis', 'lm'];
const filters = { status: '', task: '', tag: '', q: '' };
/** The server's sort key (a leading - for descending) and the page shown; kept while the app is open. */
const view = { sort: '-createdAt', offset: 0, size: 50 };
/** Column header → the API's sort key (columns without one do not sort). */
const COLUMNS: [string, string | null][] = [['', null], ['name', 'name'], ['preset', 'preset'], ['task', 'task'],
  ['seed', 'seed'], ['status', 'status'], ['step', 'step'], ['loss', null], ['accuracy', null], ['tags', null],
  ['queue / time', 'startedAt'], ['owner', 'owner'], ['submitted', 'createdAt'], ['', null]];
const selected = new Set<string>();
const collapsed = new Set<string>();

export function listPage(root: HTMLElement, life: Lifetime) {
  const select = (name: keyof typeof filters, options: string[], testid: string) => {
    const s = el('select', { 'data-testid': testid }, el('option', { value: '', text: 'all' }),
      ...options.map((o) => el('option', { value: o, text: o })));
    s.value = filters[name];
    s.addEventListener('change', () => { filters[name] = s.value; view.offset = 0; refresh(); });
    return s;
  };
  const search = el('input', { type: 'search', 'data-testid': 'filter-q', placeholder: 'name or preset', value: filters.q });
  search.addEventListener('input', () => { filters.q = search.value.trim(); view.offset = 0; refresh(); });
  const tag = el('input', { type: 'search', 'data-testid': 'filter-tag', placeholder: 'tag', list: 'known-tags', value: filters.tag });
  tag.addEventListener('input', () => { filters.tag = tag.value.trim(); view.offset = 0; refresh(); });
  const knownTags = el('datalist', { id: 'known-tags' });
  const compare = el('button', { type: 'button', 'data-testid': 'compare-selected', text: 'Compare selected', disabled: true });
  compare.addEventListener('click', () => { location.hash = `#/compare?ids=${[...selected].join(',')}`; });
  const tbody = el('tbody');
  const pagerBox = el('div', { class: 'pager' });
  const pageSize = el('select', { 'data-testid': 'page-size', title: 'runs per page' },
    ...[5, 10, 25, 50, 100, 200].map((n) => el('option', { value: n, text: `${n} per page` })));
  pageSize.value = String(view.size);
  pageSize.addEventListener('change', () => { view.size = Number(pageSize.value); view.offset = 0; refresh(); });
  const head = el('tr');
  const renderHead = () => head.replaceChildren(...COLUMNS.map(([label, key]) => {
    if (!key) return el('th', { text: label });
    const on = view.sort.replace(/^-/, '') === key;
    const th = el('th', { class: 'sortable', 'data-testid': `sort-${key}`, 'aria-sort': on ? (view.sort.startsWith('-') ? 'descending' : 'ascending') : 'none',
      title: 'sort by ' + label, text: label + (on ? (view.sort.startsWith('-') ? ' ▼' : ' ▲') : '') });
    th.addEventListener('click', () => {
      view.sort = on && !view.sort.startsWith('-') ? '-' + key : key;
      view.offset = 0;
      renderHead();
      refresh();
    });
    return th;
  }));
  renderHead();
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
    el('table', { class: 'list', 'data-testid': 'experiments-table' }, el('thead', {}, head), tbody),
    pagerBox, empty));

  async function refresh() {
    const params = new URLSearchParams({ limit: String(view.size), offset: String(view.offset), sort: view.sort });
    if (filters.status) params.set('status', filters.status);
    if (filters.task) params.set('task', filters.task);
    // the API's q matches name, preset, task and tags
    const q = filters.q || filters.tag;
    if (q) params.set('q', q);
    let page: Page<ExperimentSummary>;
    try {
      page = await apiPage<ExperimentSummary>('/api/experiments?' + params);
    } catch (e) {
      showError('Cannot list experiments: ' + (e as Error).message);
      return;
    }
    if (!life.alive) return;
    if (page.total > 0 && view.offset >= page.total) { view.offset = Math.max(0, page.total - view.size); refresh(); return; }
    showError(null);
    let experiments = page.rows;
    const tags = [...new Set(experiments.flatMap((x) => x.tags ?? []))].sort();
    knownTags.replaceChildren(...tags.map((t) => el('option', { value: t })));
    if (filters.tag && filters.q) experiments = experiments.filter((x) => (x.tags ?? []).some((t) => t.includes(filters.tag)));
    tbody.replaceChildren(...grouped(experiments).flatMap((group) => group.sweepId ? [sweepRow(group.sweepId, group.runs), ...(collapsed.has(group.sweepId) ? [] : group.runs.map((x) => row(x, true)))]
      : group.runs.map((x) => row(x, false))));
    pagerBox.replaceChildren(pager(view.offset, view.size, page.total, (offset) => { view.offset = offset; refresh(); }), pageSize);
    empty.hidden = page.total > 0;
    compare.disabled = selected.size < 2;
  }

  function sweepRow(sweepId: string, runs: ExperimentSummary[]) {
    const counts = RUN_STATUSES.map((s) => [s, runs.filter((x) => x.status === s).length] as const).filter(([, n]) => n);
    const toggle = el('button', { type: 'button', class: 'small', text: collapsed.has(sweepId) ? '▸' : '▾' });
    toggle.addEventListener('click', () => { collapsed.has(sweepId) ? collapsed.delete(sweepId) : collapsed.add(sweepId); refresh(); });
    return el('tr', { class: 'sweep-row', 'data-testid': 'sweep-row', 'data-sweep': sweepId },
      el('td', {}, toggle),
      el('td', { colspan: COLUMNS.length - 1 }, el('a', { href: `#/sweeps/${sweepId}`, 'data-testid': 'sweep-link', text: `sweep ${sweepId.slice(0, 8)}` }),
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
      el('td', { 'data-testid': 'tags' }, ...(x.tags ?? []).map((t) => el('span', { class: 'tag', text: t }))),
      el('td', { class: 'num', 'data-testid': 'queue-time', title: queueTitle(x) }, queueText(x)),
      el('td', { text: x.owner ?? '' }),
      el('td', { class: 'muted', text: new Date(x.createdAt).toLocaleString() }),
      el('td', {}, el('a', { href: `#/new?clone=${x.id}`, class: 'small', 'data-testid': 'clone-run', title: 'a new experiment with this run\'s spec, to edit and re-run', text: 'clone' })));
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

/** Queued: "#3 · starts in 2 min"; running: "ends in …"; finished: its duration. */
export function queueText(x: ExperimentSummary): string {
  if (x.status === 'QUEUED') {
    const place = x.queue?.position ? `#${x.queue.position}` : 'queued';
    return x.queue?.startsAt ? `${place} · starts ${fromNow(x.queue.startsAt)}` : place;
  }
  if (x.status === 'RUNNING') return x.queue?.finishesAt ? `${duration(x.durationSeconds)} · ends ${fromNow(x.queue.finishesAt)}` : duration(x.durationSeconds);
  return duration(x.durationSeconds);
}

function queueTitle(x: ExperimentSummary): string {
  if (x.status === 'QUEUED') return 'place in the trainer\'s queue (oldest request first) and estimated start, from the step times of finished runs of this task';
  if (x.status === 'RUNNING') return 'time training so far, and the estimated end at this run\'s own step rate';
  return x.startedAt ? `trained from ${new Date(x.startedAt).toLocaleString()} to ${x.finishedAt ? new Date(x.finishedAt).toLocaleString() : '?'}` : '';
}
