// Curves a researcher expects (issue 10, item 7), on a run trained by the real stack: the metric picker hides a
// metric, smoothing draws the debiased EMA of the API's points (checked against a plain loop here), the step axis
// goes logarithmic, and the PNG export carries the title and a legend below the plots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, apiPost, eventually, launch } from '../lib/lab.mjs';

let browser;
let page;
let runId;

/** s_t = w·s_{t−1} + (1−w)·log x_t, debiased by 1 − w^t, back through exp: as the chart smooths a loss. */
function emaLog(values, w) {
  let acc = 0;
  let n = 0;
  let last = null;
  for (const v of values) {
    acc = w * acc + (1 - w) * Math.log(v);
    n++;
    last = Math.exp(acc / (1 - w ** n));
  }
  return last;
}

/** A range input is set as a person drags it: value, then an input event. */
const setRange = (testid, value) => page.getByTestId(testid).evaluate((input, v) => {
  input.value = v;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}, value);

const lastDrawn = async () => JSON.parse(await page.getByTestId('loss-chart').getAttribute('data-last'));

describe('curves: picker, smoothing, log step, PNG', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const answer = await apiPost('/api/experiments', { preset: 'xor', seed: 77, overrides: { training: { steps: 120, evalEvery: 10 } } });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    runId = answer.body.id;
    await eventually(async () => (await apiGet(`/api/experiments/${runId}`)).status === 'COMPLETED', { what: 'the run', timeout: 400_000 });
  });

  after(async () => { await browser?.close(); });

  test('the drawn loss is the API\'s, smoothed as the EMA, and metrics can be picked', async () => {
    const points = await apiGet(`/api/experiments/${runId}/metrics`);
    const lossKey = Object.keys(points.at(-1).metrics).find((k) => /loss/i.test(k) && !/acc/i.test(k));
    await page.goto(`${LAB_URL}/#/experiments/${runId}`);
    await eventually(async () => (await page.getByTestId('metrics-chart').getAttribute('data-points')) === String(points.length), { what: 'the points', timeout: 30_000 });
    // a loss of exactly 0 is not drawn on the log axis (the chart says so): the last drawn is the last positive one
    const positive = points.map((p) => p.metrics[lossKey]).filter((v) => v > 0);
    const raw = (await lastDrawn())[lossKey];
    assert.ok(Math.abs(raw - positive.at(-1)) <= 1e-12 * Math.abs(raw), `unsmoothed: ${raw} vs ${positive.at(-1)}`);
    await setRange('smoothing', '0.6');
    const expected = emaLog(positive, 0.6);
    await eventually(async () => Math.abs((await lastDrawn())[lossKey] - expected) <= 1e-9 * expected, { what: `EMA ${expected}`, timeout: 10_000 });
    assert.notEqual(expected, raw, 'smoothing changes the last value of a falling loss');
    // the picker hides a metric from both panels
    await page.getByTestId(`metric-${lossKey}`).uncheck();
    await eventually(async () => !(await page.getByTestId('metrics-chart').getAttribute('data-shown')).split(',').includes(lossKey), { what: 'hidden', timeout: 5000 });
    assert.ok(!(lossKey in ((await lastDrawn()) ?? {})), 'not drawn');
    await page.getByTestId(`metric-${lossKey}`).check();
    await setRange('smoothing', '0');
    // log step: step 0 cannot be drawn, the rest is
    await page.getByTestId('log-x').check();
    assert.equal((await lastDrawn())[lossKey], positive.at(-1));
  });

  test('the PNG export has the title and a legend below the plots', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').first().click()]);
    const file = await download.path();
    const { readFileSync } = await import('node:fs');
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    const height = png.readUInt32BE(20);
    const plot = await page.locator('[data-testid=loss-chart] canvas').first().evaluate((c) => c.height);
    assert.ok(height > plot + 40, `the image (${height} px) has room for title and legend over the plot (${plot} px)`);
  });
});
