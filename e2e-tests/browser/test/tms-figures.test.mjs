// TMS as in the paper and heatmaps a researcher can read (issue 10, items 8 and 10), on a model uploaded through
// POST /api/checkpoints whose geometry is known: instance I0 a regular pentagon of unit vectors (m/‖W‖_F² = 2/5),
// I1 two antipodal pairs and a dropped feature (1/2), I2 five copies of one vector of norm 2 (WᵀW is 4 everywhere:
// a table of one value, never negative). The page must draw W's columns as they are stored, put each instance on
// its plateau, pick a sequential scale for I2 and a diverging one for I0, always draw a colour bar, write the
// numbers in the cells where they fit, and share one scale across the instances on request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, eventually, launch, screenshot, uploadModel } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

const F = 5;
const P = [0.5, 0.1, 0.02];
const W = [
  Array.from({ length: F }, (_, k) => [Math.cos(2 * Math.PI * k / F), Math.sin(2 * Math.PI * k / F)]),
  [[1, 0], [-1, 0], [0, 1], [0, -1], [0, 0]],
  Array.from({ length: F }, () => [1.2, 1.6]),
];
let browser;
let page;
let checkpointId;

/** The RGB of one CSS pixel of a canvas (device pixels scaled by the ratio). */
const pixel = (canvas, x, y) => canvas.evaluate((c, [px, py]) => {
  const r = c.width / c.clientWidth;
  return [...c.getContext('2d').getImageData(Math.round(px * r), Math.round(py * r), 1, 1).data].slice(0, 3);
}, [x, y]);

/** The heatmap's colour scale as it says it painted: kind, lowest and highest value of the bar. */
const scaleOf = async (h) => {
  const [kind, lo, hi] = (await h.getAttribute('data-scale')).split(':');
  return { kind, lo: Number(lo), hi: Number(hi) };
};
const near = (a, b) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

const card = (name) => page.locator(`[data-testid="table-${name}"]`);
const heatmapOf = (name) => card(name).getByTestId('heatmap');

describe('TMS figures and heatmap scales on an uploaded model of known geometry', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const w = new Float32Array(W.flat(2));
    const file = safetensors({ W: { shape: [3, F, 2], data: w }, b_final: { shape: [3, F], data: new Float32Array(3 * F) } });
    const answer = await uploadModel(file, {
      name: `tms-geometry-${Date.now()}`,
      task: { kind: 'tms', nFeatures: F, featureProbabilities: P, importanceDecay: 1.0 },
      model: { kind: 'tms', nInstances: 3, nHidden: 2, actFn: 'relu', dropout: 0.0, l1: 0.0 },
      training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0.0, beta1: 0.9, beta2: 0.999, schedule: 'constant',
        batchSize: 64, steps: 10, evalEvery: 5, checkpoints: 'geometric' },
      seed: 1,
    }, 'tms-geometry.safetensors');
    checkpointId = answer.checkpointId;
    await eventually(async () => (await apiGet(`/api/checkpoints/${checkpointId}/analysis`)).tables
      .some((t) => t.name === 'dims_per_feature' && !t.error), { what: 'the analysis of the upload', timeout: 240_000 });
    await page.goto(`${LAB_URL}/#/checkpoints/${checkpointId}`);
  });

  after(async () => { await browser?.close(); });

  test('W\'s columns are drawn as arrows in the plane, one plot per instance, as stored', async () => {
    const plots = page.getByTestId('tms-arrows').getByTestId('feature-arrows');
    await eventually(async () => (await plots.count()) === 3, { what: 'three arrow plots', timeout: 30_000 });
    for (let i = 0; i < 3; i++) {
      const canvas = plots.nth(i);
      assert.equal(await canvas.getAttribute('data-arrows'), String(F), `I${i}: one arrow per feature`);
      const drawn = JSON.parse(await canvas.getAttribute('data-vectors'));
      drawn.forEach(([x, y], j) => {
        assert.ok(Math.abs(x - W[i][j][0]) < 1e-6 && Math.abs(y - W[i][j][1]) < 1e-6, `I${i} f${j}: drawn (${x}, ${y}), uploaded ${W[i][j]}`);
      });
    }
    assert.match(await plots.nth(0).getAttribute('aria-label'), /5 feature directions/);
    await screenshot(page, 'tms-arrows');
  });

  test('dims per feature against 1/(1−S): each instance on its plateau, the plateaus marked', async () => {
    const plot = page.getByTestId('dims-per-feature-plot');
    await plot.scrollIntoViewIfNeeded();
    await plot.waitFor({ timeout: 30_000 });
    const table = await apiGet(`/api/checkpoints/${checkpointId}/analysis/dims_per_feature`);
    const iDims = table.colLabels.indexOf('m/‖W‖_F²'), iInv = table.colLabels.indexOf('1/(1−S)');
    assert.deepEqual(JSON.parse(await plot.getAttribute('data-x')), table.values.map((r) => r[iInv]).sort((a, b) => a - b));
    const values = JSON.parse(await plot.getAttribute('data-values'));
    const drawn = values.instances.filter((v) => v !== null);
    assert.deepEqual(drawn, table.values.map((r) => r[iDims]));
    // the pentagon sits on 2/5, the antipodal pairs on 1/2
    assert.ok(Math.abs(drawn[0] - 2 / 5) < 1e-6 && Math.abs(drawn[1] - 1 / 2) < 1e-6, `drawn ${drawn}`);
    const plateaus = (await plot.getAttribute('data-plateaus')).split(',');
    for (const f of ['1', '3/4', '2/3', '1/2', '2/5']) assert.ok(plateaus.includes(f), `plateau ${f} marked`);
    for (const [f, v] of [['1/2', 1 / 2], ['2/5', 2 / 5]]) {
      assert.ok(values[`plateau ${f}`].every((y) => Math.abs(y - v) < 1e-12), `the ${f} line is at ${f}`);
    }
    assert.equal(await plot.getAttribute('data-points'), '3');
  });

  test('a sequential scale for a table that is never negative, a colour bar always, numbers where they fit', async () => {
    for (const name of ['WtW.I0', 'WtW.I2']) {
      await card(name).scrollIntoViewIfNeeded();
      await eventually(async () => (await card(name).getAttribute('data-loaded')) === 'true', { what: name, timeout: 30_000 });
    }
    const i0 = heatmapOf('WtW.I0'), i2 = heatmapOf('WtW.I2');
    const s0 = await scaleOf(i0), s2 = await scaleOf(i2);
    assert.equal(s0.kind, 'diverging', 'WᵀW of the pentagon has negative cells: diverging');
    assert.ok(near(s0.hi, 1) && near(s0.lo, -1), `±1: ${JSON.stringify(s0)}`);
    assert.equal(s2.kind, 'sequential', 'WᵀW of I2 is 4 everywhere: sequential');
    assert.equal(s2.lo, 0);
    assert.ok(near(s2.hi, 4), `max ${s2.hi}`);
    // the colour bars: both drawn; the bottom of a sequential bar is white (0), of a diverging one blue (−max)
    for (const [h, bottom] of [[i0, 'blue'], [i2, 'white']]) {
      const [x, y, w, hgt] = (await h.getAttribute('data-colour-bar')).split(',').map(Number);
      const top = await pixel(h, x + w / 2, y + 1);
      const low = await pixel(h, x + w / 2, y + hgt - 1);
      assert.ok(top[0] > 150 && top[2] < 100, `top of the bar is red: ${top}`);
      if (bottom === 'white') assert.ok(low.every((c) => c > 240), `bottom of the sequential bar is white: ${low}`);
      else assert.ok(low[2] > 150 && low[0] < 100, `bottom of the diverging bar is blue: ${low}`);
    }
    // the one value fills every cell with the colour of the top of the bar
    const [left, top, w] = (await i2.getAttribute('data-plot')).split(',').map(Number);
    const cell = await pixel(i2, left + w / F / 2, top + 3);
    assert.ok(cell[0] > 150 && cell[2] < 100, `cell (0, 0) of I2 is the full colour: ${cell}`);
    // 5 × 5 cells of 36 px: every number fits and is written
    assert.equal(await i0.getAttribute('data-annotated'), String(F * F));
    assert.equal(await i2.getAttribute('data-annotated'), String(F * F));
  });

  test('one colour scale per kind across the instances, on request', async () => {
    const i0 = heatmapOf('WtW.I0'), i2 = heatmapOf('WtW.I2');
    const before = await i0.getAttribute('data-scale');
    await page.getByTestId('shared-scale').check();
    await eventually(async () => { const s = await scaleOf(i0); return s.kind === 'diverging' && near(s.hi, 4) && near(s.lo, -4); },
      { what: 'the shared scale ±4 on I0', timeout: 5000 });
    assert.equal(await i2.getAttribute('data-scale'), await i0.getAttribute('data-scale'), 'I0 and I2 on one scale');
    await page.getByTestId('shared-scale').uncheck();
    await eventually(async () => (await i0.getAttribute('data-scale')) === before, { what: 'each its own scale again', timeout: 5000 });
    assert.match(await i2.getAttribute('data-scale'), /^sequential:0:/);
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
