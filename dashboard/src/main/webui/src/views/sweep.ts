// #/sweeps/{sweepId}: the runs of a sweep with their grid values, overlaid curves, and for TMS dims per feature of
// each final checkpoint against 1/(1−S) with the paper's plateaus, and, over a grid of sparsity × dropout, the phase
// diagram: one cell per grid point coloured by the mean dims per feature, the axes labelled with the grid's values.
import { TERMINAL, AnalysisIndex, CircuitTable, ExperimentDetail, MetricPoint, api, postJson, tableUrl } from '../api';
import { CurvesChart } from '../plots/curves';
import { dimsPerFeaturePlot } from '../plots/lines';
import { Heatmap, InMemorySource } from '../plots/heatmap';
import { maxAbs } from '../plots/matrix';
import { Lifetime, download, el, fmt, getPath, metricOf, showError, statusBadge } from '../util';
import { specDiff } from './compare';

const POLL_MS = 4000;

export async function sweepPage(root: HTMLElement, sweepId: string, life: Lifetime) {
  const section = el('section', { 'data-testid': 'sweep-view', 'data-sweep': sweepId },
    el('h2', { text: `Sweep ${sweepId.slice(0, 8)}` }));
  const summary = el('p', { class: 'meta', 'data-testid': 'sweep-summary' });
  const tableBox = el('div');
  const chart = new CurvesChart(560, 260);
  life.add(() => chart.destroy());
  const phaseBox = el('div', { 'data-testid': 'phase-box' });
  const phasePng = el('button', { type: 'button', class: 'small', 'data-testid': 'export-png', text: 'PNG' });
  const phaseCsv = el('button', { type: 'button', class: 'small', 'data-testid': 'export-csv', text: 'CSV' });
  const compare = el('a', { 'data-testid': 'sweep-compare', text: 'compare all runs →' });
  const cancel = el('button', { type: 'button', class: 'small danger', 'data-testid': 'sweep-cancel', text: 'Cancel sweep',
    title: 'stop every queued or running run of this sweep' });
  const cancelNote = el('span', { class: 'muted', 'data-testid': 'sweep-cancel-note', role: 'status' });
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    cancelNote.textContent = 'asking the trainer to stop the runs …';
    try {
      const answer = await postJson<{ cancelRequested: string[]; failed?: Record<string, string> }>(`/api/sweeps/${sweepId}/cancel`, {});
      const n = answer.cancelRequested.length;
      const failed = Object.entries(answer.failed ?? {});
      cancel.textContent = `cancel requested for ${n} run${n === 1 ? '' : 's'}`;
      cancelNote.textContent = failed.length ? `${failed.length} could not be asked: ` + failed.map(([id, why]) => `${id.slice(0, 8)} ${why}`).join('; ') : '';
      cancelNote.className = failed.length ? 'error' : 'muted';
      if (failed.length) cancel.disabled = false;
      refresh();
    } catch (e) {
      cancelNote.textContent = 'Cannot cancel the sweep: ' + (e as Error).message;
      cancelNote.className = 'error';
      cancel.disabled = false;
    }
  });
  section.append(summary, el('p', {}, compare, ' ', cancel, ' ', cancelNote), tableBox, el('h3', { text: 'Curves' }), chart.element,
    el('h3', {}, 'Phase diagram ', el('span', { class: 'exports' }, phaseCsv, phasePng)), phaseBox);
  root.append(section);
  let phasePoints: { x: number; y: number; label: string; group: string; dropout: number }[] = [];
  phaseCsv.addEventListener('click', () => download(`sweep-${sweepId}-phase.csv`, new Blob([
    'run,group,dropout,inverse_sparsity,dims_per_feature\n' + phasePoints.map((p) => `${p.label},${p.group},${p.dropout},${p.x},${p.y}`).join('\n') + '\n'], { type: 'text/csv' })));
  phasePng.addEventListener('click', () => phaseBox.querySelector<HTMLCanvasElement>('.line-plot canvas, canvas')?.toBlob((b) => b && download(`sweep-${sweepId}-phase.png`, b)));
  const phaseDone = new Set<string>();

  async function runIds(): Promise<string[]> {
    const sweep = await api<{ experiments: { id: string }[] }>(`/api/sweeps/${sweepId}`);
    return sweep.experiments.map((x) => x.id);
  }

  async function refresh() {
    let runs: { detail: ExperimentDetail; points: MetricPoint[] }[];
    try {
      const ids = await runIds();
      runs = await Promise.all(ids.map(async (id) => ({
        detail: await api<ExperimentDetail>(`/api/experiments/${id}`),
        points: await api<MetricPoint[]>(`/api/experiments/${id}/metrics`),
      })));
    } catch (e) {
      showError('Cannot load the sweep: ' + (e as Error).message);
      return;
    }
    if (!life.alive) return;
    if (!runs.length) { summary.textContent = 'No runs of this sweep are known here.'; return; }
    const gridPaths = specDiff(runs.map((r) => r.detail.spec)).filter((d) => d.differs && d.path !== 'name').map((d) => d.path);
    const label = (d: ExperimentDetail, except?: string) => gridPaths.filter((p) => p !== except)
      .map((p) => `${p.split('.').pop()}=${JSON.stringify(getPath(d.spec, p))}`).join(' ') || d.name;
    const done = runs.filter((r) => r.detail.status === 'COMPLETED').length;
    summary.textContent = `${runs.length} runs · ${done} completed · grid over ${gridPaths.join(', ') || '—'}`;
    cancel.hidden = runs.every((r) => TERMINAL.includes(r.detail.status));
    compare.href = `#/compare?ids=${runs.map((r) => r.detail.id).join(',')}`;
    tableBox.replaceChildren(el('table', { class: 'list', 'data-testid': 'sweep-runs' },
      el('thead', {}, el('tr', {}, el('th', { text: 'run' }), ...gridPaths.map((p) => el('th', { text: p })),
        ...['status', 'step', 'loss', 'accuracy'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...runs.map((r) => el('tr', { 'data-testid': 'sweep-run', 'data-id': r.detail.id, 'data-status': r.detail.status },
        el('td', {}, el('a', { href: `#/experiments/${r.detail.id}`, text: r.detail.id.slice(0, 8) })),
        ...gridPaths.map((p) => el('td', { class: 'num', text: JSON.stringify(getPath(r.detail.spec, p)) })),
        el('td', {}, statusBadge(r.detail.status)), el('td', { class: 'num', text: r.detail.step }),
        el('td', { class: 'num', text: fmt(metricOf(r.detail.lastMetrics, 'loss')) }),
        el('td', { class: 'num', text: fmt(metricOf(r.detail.lastMetrics, 'accuracy')) }))))));
    chart.setRuns(runs.map((r) => ({ label: label(r.detail), points: r.points })));

    // phase diagram from each final checkpoint's dims_per_feature
    for (const r of runs) {
      const final = r.detail.checkpoints.finalCheckpointId;
      if (!final || phaseDone.has(final)) continue;
      try {
        const index = await api<AnalysisIndex>(`/api/checkpoints/${final}/analysis`);
        if (!index.tables.some((t) => t.name === 'dims_per_feature' && !t.error)) { if (index.tables.length) phaseDone.add(final); continue; }
        const t = await api<CircuitTable>(tableUrl(final, 'dims_per_feature'));
        phaseDone.add(final);
        const iDims = Math.max(0, t.colLabels.findIndex((c) => c.includes('‖W‖')));
        const iInv = t.colLabels.findIndex((c) => c.includes('1/(1−S)'));
        const p = Number(getPath(r.detail.spec, 'task.featureProbability'));
        t.values.forEach((row, i) => phasePoints.push({
          x: iInv >= 0 ? row[iInv] : 1 / p, y: row[iDims], label: `${r.detail.id.slice(0, 8)} ${t.rowLabels[i]}`,
          group: label(r.detail, 'task.featureProbability'), dropout: Number(getPath(r.detail.spec, 'model.dropout') ?? 0),
        }));
      } catch { /* not analysed yet */ }
    }
    phasePoints = phasePoints.slice();
    const isTms = runs.some((r) => r.detail.task === 'tms');
    if (isTms || phasePoints.length) {
      const sig = phasePoints.map((p) => p.label).join('|');
      if (phaseBox.dataset.sig !== sig || !phaseBox.childElementCount) {
        phaseBox.dataset.sig = sig;
        const dims = phasePoints.length ? dimsPerFeaturePlot(phasePoints).element
          : el('p', { class: 'muted', text: 'No dims_per_feature table among the final checkpoints yet.' });
        phaseBox.replaceChildren(dims);
        // nothing to draw before a final checkpoint has its table (a 0 × 0 grid is no diagram)
        if (gridPaths.includes('model.dropout') && phasePoints.length) phaseBox.append(await dropoutPhase(phasePoints));
      }
    } else {
      phaseBox.replaceChildren(el('p', { class: 'muted', 'data-testid': 'phase-none', text: 'The phase diagram plots dims_per_feature of TMS runs; this sweep has none.' }));
    }
    if (runs.every((r) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.detail.status)) && phaseDone.size >= done) stop();
  }
  /** Dropout (rows) × 1/(1−S) (columns), each cell the mean m/‖W‖_F² over the instances of that grid point. */
  async function dropoutPhase(points: typeof phasePoints): Promise<HTMLElement> {
    const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
    const ds = [...new Set(points.map((p) => p.dropout))].sort((a, b) => a - b);
    const data = new Float32Array(ds.length * xs.length).fill(NaN);
    ds.forEach((d, i) => xs.forEach((x, j) => {
      const cell = points.filter((p) => p.dropout === d && p.x === x);
      if (cell.length) data[i * xs.length + j] = cell.reduce((s, p) => s + p.y, 0) / cell.length;
    }));
    const m = { rows: ds.length, cols: xs.length, data };
    const heatmap = new Heatmap(new InMemorySource(m, maxAbs(m), ds.map((d) => fmt(d, 3)), xs.map((x) => fmt(x, 3))), {
      name: 'dropout phase diagram (mean m/‖W‖_F²)', rowAxis: 'model.dropout', colAxis: '1/(1−S)', maxSide: 360,
    });
    await heatmap.render();
    return el('div', { 'data-testid': 'dropout-phase' }, el('h4', { text: 'Phase diagram: dropout × 1/(1−S), colour = mean dims per feature' }), heatmap.element);
  }
  let stopped = false;
  const stop = () => { stopped = true; };
  await refresh();
  life.interval(() => { if (!stopped) refresh(); }, POLL_MS);
}
