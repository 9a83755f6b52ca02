// A big circuit table through the real sliced API: the test builds a 1024-feature TMS model, uploads it through
// POST /api/checkpoints, and checks that its 1024 × 1024 WᵀW heatmap names the cells it shows — the hovered cell
// and, after a drag-zoom, every tick label — as the API's ?rows=a:b&cols=c:d window names them (issue 10, item 1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, eventually, launch, screenshot } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

const N_FEATURES = 1024;
const N_HIDDEN = 8;
const TABLE = 'WtW.I0';
let browser;
let page;
let checkpointId;

/** The API's window of TABLE: labels and values of rows [r0, r1) × cols [c0, c1). */
const apiWindow = (r0, r1, c0, c1) =>
  apiGet(`/api/checkpoints/${checkpointId}/analysis/${TABLE}?rows=${r0}:${r1}&cols=${c0}:${c1}`);

const close = (a, b) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

describe('a 1024 × 1024 table from the real API', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    // W [1, 1024, 8]: features on a slowly turning pattern, so neighbouring cells of WᵀW differ
    const w = new Float32Array(N_FEATURES * N_HIDDEN);
    for (let f = 0; f < N_FEATURES; f++) {
      for (let h = 0; h < N_HIDDEN; h++) w[f * N_HIDDEN + h] = Math.sin(0.37 * f + 1.3 * h) * (1 + (f % 7) / 7);
    }
    const file = safetensors({
      W: { shape: [1, N_FEATURES, N_HIDDEN], data: w },
      b_final: { shape: [1, N_FEATURES], data: new Float32Array(N_FEATURES).fill(-0.1) },
    });
    const spec = {
      name: 'tms-1024-upload',
      task: { kind: 'tms', nFeatures: N_FEATURES, featureProbability: 0.05, importanceDecay: 1.0 },
      model: { kind: 'tms', nInstances: 1, nHidden: N_HIDDEN, actFn: 'relu', dropout: 0.0, l1: 0.0 },
      training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, schedule: 'constant',
        batchSize: 64, steps: 10, evalEvery: 5, checkpoints: 'geometric' },
      seed: 1,
    };
    const form = new FormData();
    form.append('file', new Blob([file], { type: 'application/octet-stream' }), 'tms-1024.safetensors');
    form.append('spec', JSON.stringify(spec));
    const response = await fetch(`${LAB_URL}/api/checkpoints`, {
      method: 'POST', body: form, headers: { Authorization: `Bearer ${await adminToken()}` },
    });
    const body = await response.json();
    assert.equal(response.status, 202, JSON.stringify(body));
    checkpointId = body.checkpointId;
    await eventually(async () => (await apiGet(`/api/checkpoints/${checkpointId}/analysis`)).tables
      .some((t) => t.name === TABLE && t.rows === N_FEATURES && !t.error), { what: `${TABLE} of the upload`, timeout: 240_000 });
  });

  after(async () => {
    await browser?.close();
  });

  test('the hovered cell of the overview is named and valued as the API names it', async () => {
    await page.goto(`${LAB_URL}/#/checkpoints/${checkpointId}`);
    const canvas = page.locator(`[data-testid="table-${TABLE}"] canvas[data-testid=heatmap][data-rendered]`);
    await canvas.waitFor({ timeout: 120_000 });
    assert.equal(await canvas.getAttribute('data-rows'), String(N_FEATURES));
    assert.ok(Number(await canvas.getAttribute('data-rendered')) < N_FEATURES * N_FEATURES, 'the overview is strided');
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    const [left, top, w, h] = (await canvas.getAttribute('data-plot')).split(',').map(Number);
    // cell (116, 116): the one the issue saw named "f232, f232"
    await page.mouse.move(box.x + left + 116.5 * w / N_FEATURES, box.y + top + 116.5 * h / N_FEATURES);
    const tip = page.getByTestId('cell-value');
    await page.locator('[data-testid=cell-value][data-exact=true]').waitFor({ timeout: 30_000 });
    const row = Number(await tip.getAttribute('data-row'));
    const col = Number(await tip.getAttribute('data-col'));
    assert.ok(Math.abs(row - 116) <= 2 && Math.abs(col - 116) <= 2, `near the aimed cell: ${row}, ${col}`);
    const truth = await apiWindow(row, row + 1, col, col + 1);
    assert.equal(await tip.getAttribute('data-row-label'), truth.rowLabels[0]);
    assert.equal(await tip.getAttribute('data-col-label'), truth.colLabels[0]);
    const text = await tip.textContent();
    assert.ok(text.includes(`${truth.rowLabels[0]}, `) && text.includes(`${truth.colLabels[0]}:`), `the tooltip names the cell: ${text}`);
    assert.ok(close(Number(await tip.getAttribute('data-value')), truth.values[0][0]),
      `hovered ${await tip.getAttribute('data-value')}, the API says ${truth.values[0][0]}`);
    // the overview's sparse tick labels sit at the rows they name
    const ticks = (await canvas.getAttribute('data-row-ticks')).split('|').map((t) => t.split('='));
    assert.ok(ticks.length >= 3, `tick labels on a dense axis: ${ticks.length}`);
    const some = ticks.slice(0, 4);
    for (const [i, label] of some) {
      const one = await apiWindow(Number(i), Number(i) + 1, 0, 1);
      assert.equal(label, one.rowLabels[0], `tick at row ${i}`);
    }
  });

  test('after a drag-zoom the axes and the hover name the cells shown', async () => {
    const canvas = page.locator(`[data-testid="table-${TABLE}"] canvas[data-testid=heatmap][data-rendered]`);
    const box = await canvas.boundingBox();
    const [left, top, w, h] = (await canvas.getAttribute('data-plot')).split(',').map(Number);
    const at = (r, c) => [box.x + left + (c + 0.5) * w / N_FEATURES, box.y + top + (r + 0.5) * h / N_FEATURES];
    await page.mouse.move(...at(300, 500));
    await page.mouse.down();
    await page.mouse.move(...at(330, 530), { steps: 5 });
    await page.mouse.up();
    await eventually(async () => (await canvas.getAttribute('data-view')) !== `0:${N_FEATURES},0:${N_FEATURES}`,
      { what: 'the zoom', timeout: 30_000 });
    await eventually(async () => (await canvas.getAttribute('data-row-ticks')).split('|').length >= 20,
      { what: 'the zoomed view with its labels', timeout: 30_000 });
    const [rr, cc] = (await canvas.getAttribute('data-view')).split(',');
    const [r0, r1] = rr.split(':').map(Number);
    const [c0, c1] = cc.split(':').map(Number);
    assert.ok(Math.abs(r0 - 300) <= 3 && Math.abs(c0 - 500) <= 3 && r1 - r0 >= 25 && r1 - r0 <= 36, `zoomed to ${rr},${cc}`);
    const truth = await apiWindow(r0, r1, c0, c1);
    const rowTicks = (await canvas.getAttribute('data-row-ticks')).split('|').map((t) => t.split('='));
    const colTicks = (await canvas.getAttribute('data-col-ticks')).split('|').map((t) => t.split('='));
    assert.equal(rowTicks.length, r1 - r0, 'every row of the zoomed view is labelled');
    rowTicks.forEach(([i, label]) => assert.equal(label, truth.rowLabels[Number(i) - r0], `row ${i}`));
    colTicks.forEach(([i, label]) => assert.equal(label, truth.colLabels[Number(i) - c0], `col ${i}`));
    // hover the middle of the zoomed view: exact at once (the zoomed window was read at stride 1)
    const [zl, zt, zw, zh] = (await canvas.getAttribute('data-plot')).split(',').map(Number);
    const zbox = await canvas.boundingBox();
    const r = Math.floor((r0 + r1) / 2);
    const c = Math.floor((c0 + c1) / 2);
    await page.mouse.move(zbox.x + zl + (c - c0 + 0.5) * zw / (c1 - c0), zbox.y + zt + (r - r0 + 0.5) * zh / (r1 - r0));
    await page.locator('[data-testid=cell-value][data-exact=true]').waitFor({ timeout: 30_000 });
    const tip = page.getByTestId('cell-value');
    assert.equal(Number(await tip.getAttribute('data-row')), r);
    assert.equal(Number(await tip.getAttribute('data-col')), c);
    assert.equal(await tip.getAttribute('data-row-label'), truth.rowLabels[r - r0]);
    assert.equal(await tip.getAttribute('data-col-label'), truth.colLabels[c - c0]);
    assert.ok(close(Number(await tip.getAttribute('data-value')), truth.values[r - r0][c - c0]));
    await screenshot(page, 'big-heatmap');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
