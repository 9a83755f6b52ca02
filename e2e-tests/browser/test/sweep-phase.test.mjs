// The dropout phase diagram of a TMS sweep (issue 10, item 10), from a 2 × 2 grid trained by the real stack
// (task.featureProbability × model.dropout of the tms-dropout-sweep preset, short runs): dims per feature of every
// final checkpoint against 1/(1−S) with the paper's plateaus, and the phase diagram whose axes are the grid's own
// values (dropout down, 1/(1−S) across), each cell the mean m/‖W‖_F² of that run's instances as the API gives them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, apiPost, eventually, launch, screenshot } from '../lib/lab.mjs';

const P = [0.3, 0.03];
const DROPOUT = [0, 0.5];
let browser;
let page;
let sweepId;
let ids;

describe('a TMS sparsity × dropout sweep: dims per feature and the phase diagram', { timeout: 900_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const answer = await apiPost('/api/experiments', {
      preset: 'tms-dropout-sweep', seed: 3, overrides: { training: { steps: 200, evalEvery: 100 } },
      grid: { 'task.featureProbability': P, 'model.dropout': DROPOUT },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    ({ sweepId, ids } = answer.body);
    assert.equal(ids.length, 4);
    for (const id of ids) {
      await eventually(async () => {
        const x = await apiGet(`/api/experiments/${id}`);
        if (x.status !== 'COMPLETED') return false;
        const index = await apiGet(`/api/checkpoints/${x.checkpoints.finalCheckpointId}/analysis`).catch(() => null);
        return index?.tables?.some((t) => t.name === 'dims_per_feature');
      }, { what: `run ${id} and its analysis`, timeout: 600_000 });
    }
  });

  after(async () => { await browser?.close(); });

  test('each grid point is a cell of the phase diagram labelled with its values', async () => {
    // the truth: per run, its grid point and the mean m/‖W‖_F² of its final checkpoint's instances
    const truth = [];
    for (const id of ids) {
      const x = await apiGet(`/api/experiments/${id}`);
      const t = await apiGet(`/api/checkpoints/${x.checkpoints.finalCheckpointId}/analysis/dims_per_feature`);
      const dims = t.values.map((r) => r[t.colLabels.indexOf('m/‖W‖_F²')]);
      truth.push({ p: x.spec.task.featureProbability, dropout: x.spec.model.dropout, mean: dims.reduce((a, b) => a + b, 0) / dims.length, dims });
    }
    await page.goto(`${LAB_URL}/#/sweeps/${sweepId}`);
    const phase = page.getByTestId('dropout-phase').getByTestId('heatmap');
    await phase.waitFor({ timeout: 60_000 });
    const rowTicks = (await phase.getAttribute('data-row-ticks')).split('|').map((t) => t.split('=')[1]);
    const colTicks = (await phase.getAttribute('data-col-ticks')).split('|').map((t) => t.split('=')[1]);
    assert.deepEqual(rowTicks.map(Number), DROPOUT, 'rows: the dropout values');
    assert.deepEqual(colTicks.map(Number), [...P].map((p) => 1 / p).sort((a, b) => a - b).map((v) => Number(v.toPrecision(3))), 'columns: 1/(1−S)');
    assert.match(await phase.getAttribute('data-scale'), /^sequential:0:/, 'dims per feature is never negative');
    // each cell hovered is its run's mean
    const [left, top, w, h] = (await phase.getAttribute('data-plot')).split(',').map(Number);
    await phase.scrollIntoViewIfNeeded();
    const box = await phase.boundingBox();
    const cols = [...P].sort((a, b) => b - a); // 1/(1−S) ascending: p descending
    for (const t of truth) {
      const r = DROPOUT.indexOf(t.dropout), c = cols.indexOf(t.p);
      await page.mouse.move(box.x + left + (c + 0.5) * w / 2, box.y + top + (r + 0.5) * h / 2);
      const tip = page.locator('#tooltip');
      await eventually(async () => (await tip.getAttribute('data-row')) === String(r) && (await tip.getAttribute('data-col')) === String(c), { what: 'the hover', timeout: 5000 });
      const value = Number(await tip.getAttribute('data-value'));
      assert.ok(Math.abs(value - t.mean) < 1e-5 * Math.max(1, t.mean), `p ${t.p}, dropout ${t.dropout}: ${value} vs ${t.mean}`);
    }
    // and dims per feature of every instance against 1/(1−S), plateaus marked
    const dims = page.getByTestId('phase-box').getByTestId('dims-per-feature-plot');
    assert.equal(await dims.getAttribute('data-points'), String(truth.reduce((n, t) => n + t.dims.length, 0)));
    assert.match(await dims.getAttribute('data-plateaus'), /^1,3\/4,2\/3,1\/2,2\/5/);
    await screenshot(page, 'sweep-phase-diagram');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
