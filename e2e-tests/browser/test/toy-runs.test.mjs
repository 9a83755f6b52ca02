// Toy models trained by the real stack (issue 10, items 7, 8 and 10): a short tms-intro run (ten instances,
// n_hidden = 2) folds its ten per-instance loss curves behind one toggle, draws superposition_over_steps as a line
// per instance against the step and W's columns as arrows; a short cis-abs run draws each output's response y(x)
// against |x| with its neurons' shares, the model's curve being the forward pass of the stored weights (computed
// here again from the downloaded safetensors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, apiPost, eventually, launch, screenshot } from '../lib/lab.mjs';

let browser;
let page;
const runs = {};

async function train(preset, steps) {
  const answer = await apiPost('/api/experiments', { preset, seed: 5, overrides: { training: { steps, evalEvery: Math.max(1, steps / 10) } } });
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  return answer.body.id;
}

/** The final checkpoint of a completed run, once its analysis is in. */
async function analysedFinal(id) {
  await eventually(async () => (await apiGet(`/api/experiments/${id}`)).status === 'COMPLETED', { what: `run ${id}`, timeout: 400_000 });
  return eventually(async () => {
    const c = (await apiGet(`/api/experiments/${id}/checkpoints`)).find((k) => k.finalCheckpoint);
    return c?.analysis?.tables?.length ? c.checkpointId : null;
  }, { what: `the analysis of ${id}`, timeout: 240_000 });
}

/** The tensors of a checkpoint's safetensors download, as Float32Arrays by name (the test's own reader). */
async function tensors(checkpointId) {
  const r = await fetch(`${LAB_URL}/api/checkpoints/${checkpointId}/safetensors`, { headers: { Authorization: `Bearer ${await adminToken()}` } });
  const buf = Buffer.from(await r.arrayBuffer());
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString());
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.equal(t.dtype, 'F32', `${name} is F32`);
    const bytes = buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
    out[name] = { shape: t.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) };
  }
  return out;
}

describe('figures of trained toy models', { timeout: 900_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    runs.tms = await train('tms-intro', 400);
    runs.cis = await train('cis-abs', 400);
    runs.tmsFinal = await analysedFinal(runs.tms);
    runs.cisFinal = await analysedFinal(runs.cis);
  });

  after(async () => { await browser?.close(); });

  test('ten per-instance curves are one toggle, off until asked for', async () => {
    const points = await apiGet(`/api/experiments/${runs.tms}/metrics`);
    const instanceKeys = Object.keys(points.at(-1).metrics).filter((k) => /_I\d+$/.test(k));
    assert.equal(instanceKeys.length, 10, `the trainer reports ten: ${instanceKeys}`);
    await page.goto(`${LAB_URL}/#/experiments/${runs.tms}`);
    const chart = page.getByTestId('metrics-chart');
    await eventually(async () => (await chart.getAttribute('data-points')) === String(points.length), { what: 'the points', timeout: 30_000 });
    assert.equal(await chart.getAttribute('data-instances'), '10');
    assert.match(await page.getByTestId('per-instance-label').textContent(), /per-instance curves \(10\)/);
    const shown = async () => (await chart.getAttribute('data-shown')).split(',').filter(Boolean);
    assert.deepEqual((await shown()).filter((k) => /_I\d+$/.test(k)), [], 'folded');
    assert.equal(await page.locator('[data-testid=metric-picker] input').count(), Object.keys(points.at(-1).metrics).length - 10,
      'the picker lists the run-level metrics only');
    await page.getByTestId('per-instance').check();
    await eventually(async () => (await shown()).filter((k) => /_I\d+$/.test(k)).length === 10, { what: 'unfolded', timeout: 5000 });
    const drawn = JSON.parse(await page.getByTestId('loss-chart').getAttribute('data-last'));
    const last = points.filter((p) => p.metrics.test_loss_I3 > 0).at(-1).metrics.test_loss_I3;
    assert.equal(drawn.test_loss_I3, last, 'the I3 curve ends at the API\'s last I3 loss');
    await screenshot(page, 'curves-per-instance');
  });

  test('superposition_over_steps is a line per instance against the step', async () => {
    const table = await apiGet(`/api/checkpoints/${runs.tmsFinal}/analysis/superposition_over_steps`);
    assert.ok(table.rowLabels.length >= 2, `several analysed steps: ${table.rowLabels}`);
    await page.goto(`${LAB_URL}/#/checkpoints/${runs.tmsFinal}?kinds=superposition_over_steps`);
    const plot = page.getByTestId('table-superposition_over_steps').getByTestId('steps-plot');
    await plot.waitFor({ timeout: 30_000 });
    assert.deepEqual(JSON.parse(await plot.getAttribute('data-x')), table.rowLabels.map(Number), 'x is the step');
    assert.deepEqual(JSON.parse(await plot.getAttribute('data-series')), table.colLabels, 'a line per instance');
    const values = JSON.parse(await plot.getAttribute('data-values'));
    table.colLabels.forEach((c, j) => assert.deepEqual(values[c], table.values.map((r) => r[j]), `${c} as the API`));
  });

  test('the trained W\'s columns are arrows, ten instances of five features', async () => {
    await page.goto(`${LAB_URL}/#/checkpoints/${runs.tmsFinal}`);
    const plots = page.getByTestId('tms-arrows').getByTestId('feature-arrows');
    await eventually(async () => (await plots.count()) === 10, { what: 'ten plots', timeout: 30_000 });
    const w = (await tensors(runs.tmsFinal)).W;
    for (const i of [0, 9]) {
      const drawn = JSON.parse(await plots.nth(i).getAttribute('data-vectors'));
      assert.equal(drawn.length, 5);
      drawn.forEach(([x, y], j) => assert.ok(x === w.data[(i * 5 + j) * 2] && y === w.data[(i * 5 + j) * 2 + 1], `I${i} f${j}`));
    }
    await screenshot(page, 'tms-intro-arrows');
  });

  test('CiS: each output\'s response against the target, per neuron', async () => {
    const t = await tensors(runs.cisFinal);
    const [, features, hidden] = t.W1.shape;
    await page.goto(`${LAB_URL}/#/checkpoints/${runs.cisFinal}`);
    const plots = page.getByTestId('cis-responses').getByTestId('cis-response');
    await eventually(async () => (await plots.count()) === features, { what: `${features} response plots`, timeout: 30_000 });
    const relu = (v) => Math.max(0, v);
    const i = 0;
    for (let k = 0; k < features; k++) {
      const plot = plots.nth(k);
      const xs = JSON.parse(await plot.getAttribute('data-x'));
      const values = JSON.parse(await plot.getAttribute('data-values'));
      const labels = JSON.parse(await plot.getAttribute('data-series'));
      assert.deepEqual(values['target abs'], xs.map(Math.abs), `x${k}: the target is |x|`);
      const neurons = labels.filter((l) => /^n\d+·W2$/.test(l));
      assert.ok(neurons.length >= 1 && neurons.length <= hidden, `x${k}: ${neurons.length} neurons of ${hidden}`);
      // the model's curve is relu(relu(x·W1 + b1)·W2 + b2) of the stored weights, x = v at input k and 0 elsewhere
      xs.forEach((v, s) => {
        const h = Array.from({ length: hidden }, (_, n) => relu(v * t.W1.data[(i * features + k) * hidden + n] + (t.b1 ? t.b1.data[i * hidden + n] : 0)));
        const y = relu(h.reduce((acc, hn, n) => acc + hn * t.W2.data[(i * hidden + n) * features + k], t.b2 ? t.b2.data[i * features + k] : 0));
        assert.ok(Math.abs(values[`model y${k}`][s] - y) < 1e-5, `x${k} = ${v}: drawn ${values[`model y${k}`][s]}, forward ${y}`);
      });
    }
    await screenshot(page, 'cis-response-curves');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
