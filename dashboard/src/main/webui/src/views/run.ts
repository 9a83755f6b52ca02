// #/experiments/{id}: spec and provenance, live curves (SSE), checkpoints with download, cancel, and a slider over
// the analysed checkpoints to watch one circuit table change during training.
import { AnalysisIndex, CheckpointView, ExperimentDetail, MetricPoint, TERMINAL, TrainingProgress, api } from '../api';
import { CurvesChart } from '../plots/curves';
import { Lifetime, download, duration, el, fmt, showError, statusBadge } from '../util';
import { queueText } from './list';
import { HEATMAP_KINDS, tableCard } from './tableCard';

const REPAIR_MS = 10_000;

export async function runPage(root: HTMLElement, id: string, life: Lifetime) {
  let detail: ExperimentDetail;
  try {
    detail = await api<ExperimentDetail>(`/api/experiments/${id}`);
  } catch (e) {
    showError((e as { status?: number }).status === 404 ? `No experiment ${id}` : 'Cannot load the experiment: ' + (e as Error).message);
    return;
  }
  let points: MetricPoint[] = [];
  let status = detail.status;
  const chart = new CurvesChart(420, 240);
  life.add(() => chart.destroy());
  const badge = el('span', { 'data-testid': 'status-box' }, statusBadge(status));
  const progress = el('span', { 'data-testid': 'progress' });
  const backend = el('span', { 'data-testid': 'backend' });
  const cancel = el('button', { type: 'button', 'data-testid': 'cancel', text: 'Cancel' });
  const errorBox = el('p', { class: 'error', 'data-testid': 'experiment-error', hidden: true });
  const queueInfo = el('span', { class: 'meta', 'data-testid': 'queue-info' });
  const finalMetrics = el('p', { class: 'meta', 'data-testid': 'final-metrics' });
  const provenance = el('dl', { class: 'provenance', 'data-testid': 'provenance' });
  const spec = el('pre', { class: 'spec', 'data-testid': 'spec' });
  const checkpointsBody = el('tbody');
  const noCheckpoints = el('p', { class: 'muted', text: 'No checkpoints yet.' });
  // a language model's generations from "Once upon a time" at each checkpoint (empty for other models)
  const lmSamples = el('div', { 'data-testid': 'lm-samples', hidden: true });
  const watch = el('div', { class: 'watch', 'data-testid': 'watch' });
  const analysisStatus = el('p', { class: 'muted', 'data-testid': 'analysis-status' });
  const pngCurves = el('button', { type: 'button', class: 'small', 'data-testid': 'export-png', text: 'PNG' });
  pngCurves.addEventListener('click', () => chart.toCanvas(`${detail.name} — ${detail.id.slice(0, 8)}`).toBlob((b) => b && download(`${detail.name}-curves.png`, b)));
  const csvCurves = el('button', { type: 'button', class: 'small', 'data-testid': 'export-csv', text: 'CSV' });
  csvCurves.addEventListener('click', () => download(`${detail.name}-metrics.csv`, new Blob([metricsCsv(points)], { type: 'text/csv' })));
  const jsonCurves = el('a', { href: `/api/experiments/${id}/metrics`, download: `${detail.name}-metrics.json`, 'data-testid': 'export-json', text: 'JSON' });

  root.append(el('section', { 'data-testid': 'experiment-view', 'data-id': id },
    el('div', { class: 'title-row' },
      el('h2', {}, el('span', { 'data-testid': 'experiment-name', text: detail.name }), ' ', badge),
      el('span', { class: 'meta' }, progress, ' ', backend, ' ', cancel, ' ',
        el('a', { href: `#/compare?ids=${id}`, 'data-testid': 'compare-link', text: 'compare with …' }), ' ',
        el('a', { href: `#/new?clone=${id}`, 'data-testid': 'clone-run', text: 'clone into the form' }), ' ', queueInfo)),
    errorBox,
    el('div', { class: 'two-cols' },
      el('div', {},
        el('h3', {}, 'Loss and accuracy ', el('span', { class: 'exports' }, csvCurves, jsonCurves, pngCurves)),
        chart.element, finalMetrics,
        el('h3', { text: 'Checkpoints' }),
        el('div', { class: 'scroll' }, el('table', { class: 'list', 'data-testid': 'checkpoints-table' },
          el('thead', {}, el('tr', {}, ...['step', '', 'metrics', 'safetensors', 'analysis'].map((h) => el('th', { text: h })))),
          checkpointsBody)),
        noCheckpoints, lmSamples),
      el('div', {}, el('h3', { text: 'Provenance' }), provenance, el('h3', { text: 'Spec' }), spec)),
    el('h3', { text: 'Circuit tables during training' }), analysisStatus, watch));

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api(`/api/experiments/${id}/cancel`, { method: 'POST' });
      cancel.textContent = 'Cancel requested';
    } catch (e) {
      showError('Cannot cancel: ' + (e as Error).message);
      cancel.disabled = false;
    }
  });

  function renderHeader(x: { status: typeof status; step: number; totalSteps: number; backend: string | null }) {
    status = x.status;
    badge.replaceChildren(statusBadge(x.status));
    progress.textContent = x.totalSteps ? `step ${x.step} / ${x.totalSteps}` : `step ${x.step}`;
    backend.textContent = x.backend ? `backend ${x.backend}` : '';
    cancel.hidden = TERMINAL.includes(x.status);
  }

  function renderDetail(x: ExperimentDetail) {
    detail = x;
    renderHeader(x);
    queueInfo.textContent = x.status === 'QUEUED' ? `queue ${queueText(x)}` : x.durationSeconds != null ? queueText(x) : '';
    errorBox.hidden = !x.error;
    errorBox.textContent = x.error || '';
    finalMetrics.textContent = x.lastMetrics ? Object.entries(x.lastMetrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ') : '';
    const meta = x.spec as unknown as Record<string, unknown>;
    const rows: [string, string][] = [
      ['id', x.id], ['seed', String(x.seed)], ['preset', x.preset ?? '—'], ['task', x.task],
      ['code version', String(x.codeVersion ?? meta.codeVersion ?? '— (not reported by the trainer yet)')],
      ['backend', x.backend ?? '— (known once training starts)'], ['tags', (x.tags ?? []).join(', ') || '—'],
      ['submitted', new Date(x.createdAt).toLocaleString()], ['updated', new Date(x.updatedAt).toLocaleString()],
      ['started', x.startedAt ? new Date(x.startedAt).toLocaleString() : '—'], ['duration', duration(x.durationSeconds) || '—'],
    ];
    provenance.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { 'data-testid': `provenance-${k.replace(' ', '-')}`, text: v })]));
    spec.textContent = JSON.stringify(x.spec, null, 2);
  }

  async function refreshDetail() {
    try { const x = await api<ExperimentDetail>(`/api/experiments/${id}`); if (life.alive) renderDetail(x); } catch { /* shown at load */ }
  }
  async function refreshMetrics() {
    try {
      const p = await api<MetricPoint[]>(`/api/experiments/${id}/metrics`);
      if (!life.alive) return;
      points = p;
      chart.setRuns([{ label: detail.name, points }]);
    } catch { /* the next repair tries again */ }
  }

  let checkpoints: CheckpointView[] = [];
  const watchState = { table: '', index: -1, follow: true, names: [] as string[] };
  const slider = el('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, 'data-testid': 'checkpoint-slider' });
  const sliderLabel = el('span', { class: 'meta', 'data-testid': 'checkpoint-slider-label' });
  const tableSelect = el('select', { 'data-testid': 'table-select' });
  const openAnalysis = el('a', { 'data-testid': 'open-analysis', text: 'all tables of this checkpoint →' });
  const watchCard = el('div', { 'data-testid': 'watch-card' });
  watch.append(el('div', { class: 'toolbar' }, el('label', {}, 'table ', tableSelect), el('label', { class: 'slider' }, 'checkpoint ', slider), sliderLabel, openAnalysis), watchCard);
  watch.hidden = true;
  slider.addEventListener('input', () => { watchState.follow = Number(slider.value) === analysed().length - 1; showWatched(Number(slider.value)); });
  tableSelect.addEventListener('change', () => { watchState.table = tableSelect.value; showWatched(Number(slider.value), true); });

  const analysed = () => checkpoints.filter((c) => c.analysis && c.analysis.tables.length);

  /**
   * A checkpoint's metrics are those of the last evaluation at or before its step (the trainer attaches the latest
   * one it has): shown with the step they were measured at, so 0…449 do not all read as one number.
   */
  function metricsCell(step: number, own: Record<string, number> | null) {
    const at = [...points].reverse().find((p) => p.step <= step);
    const metrics = at ? at.metrics : own;
    const text = Object.entries(metrics || {}).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
    const asOf = at ? (at.step !== step ? ` (as of step ${at.step})` : '') : ' (latest evaluation when saved)';
    return el('td', { class: 'muted', 'data-testid': 'checkpoint-metrics', 'data-metrics-step': at ? at.step : '', text: text ? text + asOf : '' });
  }

  async function refreshCheckpoints() {
    try {
      checkpoints = await api<CheckpointView[]>(`/api/experiments/${id}/checkpoints`);
    } catch { return; }
    if (!life.alive) return;
    api<{ step: number; samples: Record<string, string> }[]>(`/api/experiments/${id}/samples`).then((list) => {
      lmSamples.hidden = list.length === 0;
      lmSamples.replaceChildren(el('h3', { text: 'Sample generations' }), ...list.slice().reverse().flatMap((x) =>
        Object.entries(x.samples).map(([kind, text]) => el('p', { 'data-testid': 'lm-sample', 'data-step': x.step },
          el('span', { class: 'muted', text: `step ${x.step} · ${kind}: ` }), text))));
    }).catch(() => { /* samples are optional */ });
    checkpointsBody.replaceChildren(...checkpoints.map((c) => el('tr', { 'data-testid': 'checkpoint-row', 'data-id': c.checkpointId, 'data-step': c.step },
      el('td', { class: 'num', text: c.step }),
      el('td', { text: c.finalCheckpoint ? 'final' : '' }),
      metricsCell(c.step, c.metrics),
      el('td', {}, el('a', { href: c.safetensorsUrl, download: '', 'data-testid': 'download-safetensors', text: 'download' })),
      el('td', {}, c.analysis ? el('a', { href: `#/checkpoints/${c.checkpointId}`, 'data-testid': 'analysis-link', text: `${c.analysis.tables.length} tables` })
        : el('span', { class: 'muted', text: 'pending' })))));
    noCheckpoints.hidden = checkpoints.length > 0;
    const list = analysed();
    if (!list.length) {
      analysisStatus.textContent = checkpoints.length ? 'The checkpoints are being analysed …' : 'Circuit tables appear as checkpoints are analysed.';
      return;
    }
    analysisStatus.textContent = `${list.length} of ${checkpoints.length} checkpoints analysed; move the slider to watch a table change during training.`;
    watch.hidden = false;
    const names = [...new Set(list.flatMap((c) => c.analysis!.tables))].sort();
    if (names.join() !== watchState.names.join()) {
      watchState.names = names;
      tableSelect.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
      if (!watchState.table) watchState.table = names.find((n) => n.startsWith('EQKE.')) ?? names.find((n) => HEATMAP_KINDS.has(n.split('.')[0])) ?? names[0];
      tableSelect.value = watchState.table;
    }
    slider.max = String(list.length - 1);
    if (watchState.follow) slider.value = String(list.length - 1);
    showWatched(Number(slider.value));
  }

  async function showWatched(i: number, force = false) {
    const list = analysed();
    const c = list[i];
    if (!c || (!force && watchState.index === i && watchCard.dataset.checkpoint === c.checkpointId)) return;
    watchState.index = i;
    sliderLabel.textContent = `step ${c.step}${c.finalCheckpoint ? ' (final)' : ''} · ${i + 1} / ${list.length}`;
    openAnalysis.href = `#/checkpoints/${c.checkpointId}`;
    watchCard.dataset.checkpoint = c.checkpointId;
    let index: AnalysisIndex;
    try { index = await api<AnalysisIndex>(`/api/checkpoints/${c.checkpointId}/analysis`); } catch (e) { watchCard.replaceChildren(el('p', { class: 'error', text: String(e) })); return; }
    const entry = index.tables.find((t) => t.name === watchState.table);
    if (watchCard.dataset.checkpoint !== c.checkpointId) return;
    watchCard.replaceChildren(entry ? tableCard(c.checkpointId, entry, { index: index.tables }) : el('p', { class: 'muted', text: `No table ${watchState.table} at step ${c.step}.` }));
  }

  renderDetail(detail);
  await Promise.all([refreshMetrics(), refreshCheckpoints()]);
  if (!life.alive) return;
  const events = life.events(`/api/experiments/${id}/events`);
  events.addEventListener('progress', (e) => {
    const p: TrainingProgress = JSON.parse((e as MessageEvent).data);
    if (p.experimentId !== id) return;
    if (!TERMINAL.includes(status) || TERMINAL.includes(p.status)) renderHeader(p);
    if (p.metrics && Object.keys(p.metrics).length) {
      points = points.filter((q) => q.step !== p.step).concat([{ step: p.step, metrics: p.metrics }]).sort((a, b) => a.step - b.step);
      chart.setRuns([{ label: detail.name, points }]);
      finalMetrics.textContent = Object.entries(p.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
    }
    if (TERMINAL.includes(p.status)) { refreshDetail(); refreshCheckpoints(); }
  });
  events.addEventListener('checkpoint', () => refreshCheckpoints());
  events.addEventListener('analysis', () => refreshCheckpoints());
  // SSE carries the news; a slow poll repairs anything missed while disconnected
  life.interval(() => { refreshDetail(); refreshMetrics(); refreshCheckpoints(); }, REPAIR_MS);
}

export function metricsCsv(points: MetricPoint[]): string {
  const keys = [...new Set(points.flatMap((p) => Object.keys(p.metrics || {})))].sort();
  return ['step,' + keys.join(','), ...points.map((p) => [p.step, ...keys.map((k) => p.metrics?.[k] ?? '')].join(','))].join('\n') + '\n';
}
