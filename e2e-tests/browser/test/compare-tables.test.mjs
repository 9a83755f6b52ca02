// Circuits across models (issue 10, item 9): the compare page puts one table of two models side by side on one
// colour scale with their difference A − B, rows and columns matched by label. Three TMS models are uploaded through
// POST /api/checkpoints (A and B with five features, C with six), so every value is known: the hovered difference
// must be A − B as the API gives both, the grid's labels the API's, and C's extra feature f5 a grey "no value" row
// and column that the page names. Then two short tms-intro runs trained by the stack, compared as runs: the tables
// are those of their final checkpoints.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, apiPost, eventually, launch, screenshot, uploadModel } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

const TABLE = 'WtW.I0';
let browser;
let page;
const ids = {};

function tmsModel(name, features, w) {
  const file = safetensors({ W: { shape: [1, features, 2], data: new Float32Array(w) }, b_final: { shape: [1, features], data: new Float32Array(features) } });
  return uploadModel(file, {
    name, task: { kind: 'tms', nFeatures: features, featureProbability: 0.1, importanceDecay: 1.0 },
    model: { kind: 'tms', nInstances: 1, nHidden: 2, actFn: 'relu', dropout: 0.0, l1: 0.0 },
    training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0.0, beta1: 0.9, beta2: 0.999, schedule: 'constant',
      batchSize: 64, steps: 10, evalEvery: 5, checkpoints: 'geometric' },
    seed: 1,
  }, `${name}.safetensors`);
}

const analysed = (id) => eventually(async () => (await apiGet(`/api/checkpoints/${id}/analysis`)).tables
  .some((t) => t.name === TABLE && !t.error), { what: `${TABLE} of ${id}`, timeout: 240_000 });

/** Hovers cell (r, c) of a heatmap canvas and answers the tooltip's row, column labels and value. */
async function hover(canvas, r, c) {
  const [left, top, w, h] = (await canvas.getAttribute('data-plot')).split(',').map(Number);
  const rows = Number(await canvas.getAttribute('data-rows')), cols = Number(await canvas.getAttribute('data-cols'));
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + left + (c + 0.5) * w / cols, box.y + top + (r + 0.5) * h / rows);
  const tip = page.locator('#tooltip');
  await eventually(async () => (await tip.getAttribute('data-row')) === String(r) && (await tip.getAttribute('data-col')) === String(c), { what: `cell ${r},${c}`, timeout: 5000 });
  return { row: await tip.getAttribute('data-row-label'), col: await tip.getAttribute('data-col-label'), value: Number(await tip.getAttribute('data-value')) };
}

describe('compare: one table of several models, one scale, A − B by label', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const stamp = Date.now();
    ids.a = (await tmsModel(`cmp-a-${stamp}`, 5, [1, 0, 0.3, 0.9, -0.8, 0.6, -0.5, -0.85, 0.7, -0.7])).checkpointId;
    ids.b = (await tmsModel(`cmp-b-${stamp}`, 5, [0.5, 0.5, 0.1, 1.2, -1, 0, 0.2, -0.4, 1.5, 0.1])).checkpointId;
    ids.c = (await tmsModel(`cmp-c-${stamp}`, 6, [0.4, 0.2, 0.3, 0.9, -0.8, 0.6, -0.5, -0.85, 0.7, -0.7, 2, 2])).checkpointId;
    for (const id of Object.values(ids)) await analysed(id);
  });

  after(async () => { await browser?.close(); });

  test('two models side by side on one scale; the difference is A − B of the API', async () => {
    const [a, b] = await Promise.all([ids.a, ids.b].map((id) => apiGet(`/api/checkpoints/${id}/analysis/${TABLE}`)));
    await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.a},${ids.b}&table=${TABLE}`);
    const grids = page.getByTestId('compare-table');
    await eventually(async () => (await grids.count()) === 2, { what: 'two tables', timeout: 30_000 });
    const maps = [grids.nth(0).getByTestId('heatmap'), grids.nth(1).getByTestId('heatmap')];
    const scales = await Promise.all(maps.map((m) => m.getAttribute('data-scale')));
    assert.equal(scales[0], scales[1], 'one colour scale for both');
    const max = Math.max(...[a, b].flatMap((t) => t.values.flat().map(Math.abs)));
    assert.ok(Math.abs(Number(scales[0].split(':')[2]) - max) < 1e-6 * max, `the scale reaches the larger table's max ${max}: ${scales[0]}`);
    // the grid is labelled as the API labels the table
    const ticks = (await maps[1].getAttribute('data-row-ticks')).split('|').map((t) => t.split('=')[1]);
    assert.deepEqual(ticks, b.rowLabels);
    assert.equal(await page.getByTestId('compare-alignment').getAttribute('data-rows-missing'), '');
    assert.match(await page.getByTestId('compare-alignment').textContent(), /same labels in the same order/);
    // the difference, hovered cell by cell
    const diff = page.getByTestId('compare-difference').getByTestId('heatmap');
    for (const [r, c] of [[0, 0], [1, 3], [4, 2]]) {
      const cell = await hover(diff, r, c);
      assert.equal(cell.row, a.rowLabels[r]);
      assert.equal(cell.col, a.colLabels[c]);
      const expected = a.values[r][c] - b.values[r][c];
      assert.ok(Math.abs(cell.value - expected) < 1e-6, `(${cell.row}, ${cell.col}): ${cell.value}, A − B = ${expected}`);
    }
    await screenshot(page, 'compare-tables');
  });

  test('labels only one model has are matched by label, shown grey and named', async () => {
    const [a, c] = await Promise.all([ids.a, ids.c].map((id) => apiGet(`/api/checkpoints/${id}/analysis/${TABLE}`)));
    await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.a},${ids.c}&table=${TABLE}`);
    const note = page.getByTestId('compare-alignment');
    await note.waitFor({ timeout: 30_000 });
    assert.equal(await note.getAttribute('data-rows-missing'), 'f5');
    assert.equal(await note.getAttribute('data-cols-missing'), 'f5');
    assert.match(await note.textContent(), /row f5 and column f5/);
    const diff = page.getByTestId('compare-difference').getByTestId('heatmap');
    assert.equal(await diff.getAttribute('data-rows'), '6', 'the union of the labels');
    const ticks = (await diff.getAttribute('data-row-ticks')).split('|').map((t) => t.split('=')[1]);
    assert.deepEqual(ticks, c.rowLabels, 'A\'s f0…f4, then C\'s f5');
    const missing = await hover(diff, 5, 1);
    assert.equal(missing.row, 'f5');
    assert.ok(Number.isNaN(missing.value), 'no difference where A has no f5');
    assert.match(await page.locator('#tooltip').textContent(), /no value/);
    const cell = await hover(diff, 2, 4);
    assert.ok(Math.abs(cell.value - (a.values[2][4] - c.values[2][4])) < 1e-6, `A − C at (f2, f4): ${cell.value}`);
  });

  test('two trained runs: their final checkpoints\' tables, side by side and subtracted', async () => {
    const submitted = [];
    for (const seed of [11, 12]) {
      const answer = await apiPost('/api/experiments', { preset: 'tms-intro', seed, overrides: { training: { steps: 60, evalEvery: 30 } } });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      submitted.push(answer.body.id);
    }
    const finals = [];
    for (const id of submitted) {
      finals.push(await eventually(async () => {
        const x = await apiGet(`/api/experiments/${id}`);
        if (x.status !== 'COMPLETED' || !x.checkpoints.finalCheckpointId) return null;
        const index = await apiGet(`/api/checkpoints/${x.checkpoints.finalCheckpointId}/analysis`).catch(() => null);
        return index?.tables?.some((t) => t.name === 'WtW.I3') ? x.checkpoints.finalCheckpointId : null;
      }, { what: `run ${id} and its analysis`, timeout: 400_000 }));
    }
    const [a, b] = await Promise.all(finals.map((id) => apiGet(`/api/checkpoints/${id}/analysis/WtW.I3`)));
    await page.goto(`${LAB_URL}/#/compare?ids=${submitted.join(',')}&table=WtW.I3`);
    const grids = page.getByTestId('compare-table');
    await eventually(async () => (await grids.count()) === 2, { what: 'the two runs\' tables', timeout: 60_000 });
    // labelled as the runs are in the table above (same name: the id's start is added)
    const runLabels = await page.getByTestId('compare-runs').locator('tbody tr td:first-child a').allTextContents();
    assert.deepEqual([await grids.nth(0).getAttribute('data-label'), await grids.nth(1).getAttribute('data-label')], runLabels);
    assert.equal(await grids.nth(0).getByTestId('heatmap').getAttribute('data-scale'), await grids.nth(1).getByTestId('heatmap').getAttribute('data-scale'));
    const cell = await hover(page.getByTestId('compare-difference').getByTestId('heatmap'), 1, 2);
    assert.ok(Math.abs(cell.value - (a.values[1][2] - b.values[1][2])) < 1e-6, `(f1, f2): ${cell.value} vs ${a.values[1][2] - b.values[1][2]}`);
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
