// The prompt lab (issue 10, items 11 and 12) in a real browser against the real stack: a xor-shaped transformer
// (1 layer, 2 heads, attention-only, no LayerNorm; seeded random weights and biases) is uploaded through
// POST /api/checkpoints; its prompt page shows the logits and every head's attention pattern in a CircuitsVis-style
// grid as the API computes them, zero-ablating a head shows the change in the correct-answer logit the API answers
// (minus that head's direct logit attribution: the only path in this model), patching from another input too, and
// the page's URL alone reproduces the state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, eventually, launch, screenshot, uploadModel } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

let browser;
let page;
let checkpointId;

/** A Lehmer generator, so that the model is the same on every run. */
function uniform(seed) {
  let a = seed;
  return () => { a = (a * 16807) % 2147483647; return a / 2147483647 - 0.5; };
}

function xorModel(m) {
  const rnd = uniform(12345);
  const t = {};
  const w = (name, shape) => {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = rnd() * 1.6;
    t[name] = { shape, data };
  };
  w('embed.W_E', [m.dVocab, m.dModel]);
  w('pos_embed.W_pos', [m.nCtx, m.dModel]);
  for (const x of ['W_Q', 'W_K', 'W_V']) w(`blocks.0.attn.${x}`, [m.nHeads, m.dModel, m.dHead]);
  w('blocks.0.attn.W_O', [m.nHeads, m.dHead, m.dModel]);
  for (const x of ['b_Q', 'b_K', 'b_V']) w(`blocks.0.attn.${x}`, [m.nHeads, m.dHead]);
  w('blocks.0.attn.b_O', [m.dModel]);
  w('unembed.W_U', [m.dModel, m.dVocabOut]);
  w('unembed.b_U', [m.dVocabOut]);
  return safetensors(t);
}

const prompt = (query) => apiGet(`/api/models/${checkpointId}/prompt?${new URLSearchParams(query)}`);
const close = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('prompt lab of an uploaded xor transformer', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const spec = (await apiGet('/api/presets')).find((p) => p.name === 'xor').spec;
    checkpointId = (await uploadModel(xorModel(spec.model), { ...spec, name: 'prompt-lab-xor' }, 'xor.safetensors')).checkpointId;
  });

  after(async () => {
    try {
      assert.deepEqual(browser?.problems ?? [], [], 'no page errors');
    } finally {
      await browser?.close();
    }
  });

  test('the page shows the logits and every head\'s pattern as the API computes them', async () => {
    const api = await prompt({ input: 'BDQ' });
    assert.equal(api.targetLabel, 'T', 'B xor D is T');
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/prompt?input=BDQ`);
    const readout = page.getByTestId('target-readout');
    await readout.waitFor({ timeout: 60_000 });
    close(Number(await readout.getAttribute('data-logit')), api.target.logit, 1e-9, 'the target logit');
    assert.deepEqual(await page.locator('[data-testid=prompt-tokens] .prompt-token').allTextContents(), ['0B', '1D', '2Q']);
    const rows = page.locator('[data-testid=logits-table] tbody tr');
    assert.equal(await rows.count(), 2, 'both outputs of xor');
    const top = api.logits[2].top[0];
    assert.equal(await rows.first().getAttribute('data-token'), String(top.token));
    close(Number(await rows.first().getAttribute('data-logit')), top.logit, 1e-9, 'the top logit at the read-off');

    // the grid: one thumbnail per head, labelled by prompt and head, and a 0–1 legend
    const thumbs = page.locator('[data-testid=attention-grid] .attention-thumb');
    assert.equal(await thumbs.count(), 2);
    assert.deepEqual(await page.locator('.thumb-label').allTextContents(), ['BDQ · L0H0', 'BDQ · L0H1']);
    await page.getByTestId('attention-legend').waitFor();
    // read L0H1's attention from the query Q (position 2) to the key B (position 0) by hovering that cell
    await page.getByTestId('thumb-L0H1').click();
    const big = page.getByTestId('attention-pattern');
    assert.equal(await big.getAttribute('data-head'), 'L0H1');
    const [left, topPx, cell] = await Promise.all(['data-left', 'data-top', 'data-cell'].map(async (a) => Number(await big.getAttribute(a))));
    await big.hover({ position: { x: left + 0.5 * cell, y: topPx + 2.5 * cell } });
    const cellReadout = page.getByTestId('pattern-readout');
    assert.equal(await cellReadout.getAttribute('data-query'), '2');
    assert.equal(await cellReadout.getAttribute('data-key'), '0');
    const pattern = api.patterns.find((p) => p.name === 'L0H1').pattern;
    close(Number(await cellReadout.getAttribute('data-value')), pattern[2][0], 1e-6, 'L0H1 attention Q → B');
    assert.ok(pattern[2][0] > 0 && pattern[2][0] < 1, 'a pattern that is not trivial');
    // the direct logit attribution sums to the logit minus the constant
    const dla = Number(await page.getByTestId('dla-L0H1').getAttribute('data-value'));
    close(dla, api.attribution.find((a) => a.name === 'L0H1').value, 1e-9, 'L0H1 DLA');
    await screenshot(page, 'prompt-lab');
  });

  test('zero-ablating a head shows the API\'s change in the correct-answer logit, and the URL reproduces it', async () => {
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/prompt?input=BDQ`);
    await page.getByTestId('target-readout').waitFor({ timeout: 60_000 });
    const dla = Number(await page.getByTestId('dla-L0H1').getAttribute('data-value'));
    await page.getByTestId('ablate-L0H1').selectOption('zero');
    const delta = page.getByTestId('target-delta');
    await delta.waitFor({ timeout: 60_000 });
    assert.match(decodeURIComponent(page.url()), /ablate=L0H1:zero/);
    const shown = Number(await delta.getAttribute('data-delta'));
    const api = await prompt({ input: 'BDQ', ablate: 'L0H1:zero' });
    close(shown, api.intervened.deltaLogit, 1e-9, 'the shown change is the API\'s');
    close(shown, -dla, 1e-4, 'zero-ablating the only path removes exactly its direct logit attribution');
    assert.ok(Math.abs(shown) > 1e-3, 'the head matters');
    assert.match(await delta.textContent(), /Δ logit/);

    // the URL alone: a fresh tab shows the same state
    const url = page.url();
    const other = await browser.context.newPage();
    await other.goto(url);
    await other.getByTestId('target-delta').waitFor({ timeout: 60_000 });
    assert.equal(await other.getByTestId('target-delta').getAttribute('data-delta'), String(shown));
    assert.equal(await other.getByTestId('ablate-L0H1').inputValue(), 'zero');
    assert.equal(await other.getByTestId('prompt-input').inputValue(), 'BDQ');
    await other.close();

    // patch L0H0 from another input as well: the page and the API agree
    await page.getByTestId('patch-input').fill('ACQ');
    await page.getByTestId('prompt-run').click();
    await page.waitForURL(/patch=ACQ/);
    await page.getByTestId('ablate-L0H0').selectOption('patch');
    await page.waitForURL(/L0H0(%3A|:)patch/);
    await page.getByTestId('target-delta').waitFor({ timeout: 60_000 });
    const both = await prompt({ input: 'BDQ', ablate: 'L0H1:zero,L0H0:patch', patch: 'ACQ' });
    close(Number(await page.getByTestId('target-delta').getAttribute('data-delta')), both.intervened.deltaLogit, 1e-9,
      'zero L0H1 + patch L0H0 from ACQ');
    assert.notEqual(both.intervened.deltaLogit, api.intervened.deltaLogit, 'the patch changed something');
    await screenshot(page, 'prompt-lab-ablated');
  });

  test('the analysis page draws every head of each test sequence in one grid, labelled by prompt and head', async () => {
    const index = await eventually(async () => {
      const a = await apiGet(`/api/checkpoints/${checkpointId}/analysis`);
      return a.tables.filter((t) => t.kind === 'attention_pattern').length >= 2 && a;
    }, { what: 'the attention_pattern tables', timeout: 300_000, interval: 2000 });
    const s0 = index.tables.filter((t) => t.name.startsWith('attention_pattern.S0.'));
    assert.equal(s0.length, 2, 'one table per head of test sequence 0');
    const table = await apiGet(`/api/checkpoints/${checkpointId}/analysis/attention_pattern.S0.L0H1`);
    const text = table.rowLabels.map((l) => l.replace(/^\d+:/, '')).join('');
    await page.goto(`${LAB_URL}/#/checkpoints/${checkpointId}`);
    const grid = page.getByTestId('patterns-S0');
    await grid.waitFor({ timeout: 60_000 });
    assert.deepEqual(await grid.locator('.thumb-label').allTextContents(), [`${text} · L0H0`, `${text} · L0H1`]);
    await grid.getByTestId('attention-legend').waitFor();
    await grid.getByTestId('thumb-L0H1').click();
    const big = grid.getByTestId('attention-pattern');
    const [left, topPx, cell] = await Promise.all(['data-left', 'data-top', 'data-cell'].map(async (a) => Number(await big.getAttribute(a))));
    await big.hover({ position: { x: left + 1.5 * cell, y: topPx + 2.5 * cell } });
    const readout = grid.getByTestId('pattern-readout');
    close(Number(await readout.getAttribute('data-value')), table.values[2][1], 1e-9, 'the analysis table\'s L0H1 cell (2, 1)');
    assert.equal(await page.getByTestId('prompt-lab-link').getAttribute('href'), `#/models/${checkpointId}/prompt`);
    await screenshot(page, 'attention-grid-analysis');
  });

  test('a wrong head in the URL is an error that names the field', async () => {
    const before = browser.problems.length;
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/prompt?input=BDQ&ablate=L3H0:zero`);
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await error.textContent(), /layer 3 outside.*\(field ablate\)/);
    // the browser logs the refused request itself (a 400 on the API call): that one is expected
    const logged = browser.problems.splice(before);
    assert.deepEqual(logged.filter((p) => !/status of 400/.test(p)), [], 'nothing but the 400');
  });

  test('a long input through the dashboard is a JSON 400 naming the field, not the HTTP server\'s 414', async () => {
    // 2 000 "€" (the field limit) percent-encode to 18 KB of request line, over the HTTP server's default 4 KB
    const query = new URLSearchParams({ input: '\u20ac'.repeat(2000), ablate: 'L0H0:zero' });
    const response = await fetch(`${LAB_URL}/api/models/${checkpointId}/prompt?${query}`,
      { headers: { Authorization: `Bearer ${await adminToken()}` } });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.field, 'input', JSON.stringify(body));
    const over = await fetch(`${LAB_URL}/api/models/${checkpointId}/prompt?${new URLSearchParams({ input: 'x'.repeat(2001) })}`,
      { headers: { Authorization: `Bearer ${await adminToken()}` } });
    assert.equal(over.status, 400);
    assert.match((await over.json()).error, /longer than 2000 characters/);
  });
});
