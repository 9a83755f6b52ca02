// The Neuroscope in a real browser against the real stack (issue 9): a tiny GPT-2-vocabulary LM is uploaded through
// POST /api/checkpoints; its page shows the per-head QK/OV tables from the factors and a "scan" button (an upload is
// scanned on request); the scan runs with a progress bar; then a neuron page's hovered token shows the activation the
// API stored, live text colours typed text by the model's activations now, and a similar-neuron link opens that neuron.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, eventually, launch, screenshot } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

const VOCAB = 50257;
const M = { nLayers: 1, nHeads: 2, dHead: 4, dModel: 8, nCtx: 32, dMlp: 16 };
let browser;
let page;
let checkpointId;

/** A seeded Gaussian (mulberry32 + Box–Muller), so the model is the same on every run. */
function gaussian(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** TransformerLens-named weights of a random-init 1-layer LM (LayerNorm weights 1, biases 0). */
function tinyLm() {
  const rng = gaussian(42);
  const std = 0.8 / Math.sqrt(M.dModel);
  const t = {};
  const w = (name, shape) => {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng() * std;
    t[name] = { shape, data };
  };
  const fill = (name, shape, v) => { t[name] = { shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)).fill(v) }; };
  const { dModel: d, nHeads: h, dHead: dh, dMlp, nCtx } = M;
  w('embed.W_E', [VOCAB, d]);
  w('pos_embed.W_pos', [nCtx, d]);
  fill('blocks.0.ln1.w', [d], 1); fill('blocks.0.ln1.b', [d], 0);
  for (const x of ['W_Q', 'W_K', 'W_V']) w(`blocks.0.attn.${x}`, [h, d, dh]);
  w('blocks.0.attn.W_O', [h, dh, d]);
  for (const x of ['b_Q', 'b_K', 'b_V']) fill(`blocks.0.attn.${x}`, [h, dh], 0);
  fill('blocks.0.attn.b_O', [d], 0);
  fill('blocks.0.ln2.w', [d], 1); fill('blocks.0.ln2.b', [d], 0);
  w('blocks.0.mlp.W_in', [d, dMlp]);
  fill('blocks.0.mlp.b_in', [dMlp], 0);
  w('blocks.0.mlp.W_out', [dMlp, d]);
  fill('blocks.0.mlp.b_out', [d], 0);
  fill('ln_final.w', [d], 1); fill('ln_final.b', [d], 0);
  w('unembed.W_U', [d, VOCAB]);
  fill('unembed.b_U', [VOCAB], 0);
  return safetensors(t);
}

/** What the page's actColour gives an activation a at scale s (blue +, red −, white 0). */
function colour(a, s) {
  const t = Math.max(-1, Math.min(1, s > 0 ? a / s : 0));
  const fade = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(${fade}, ${fade}, 255)` : `rgb(255, ${fade}, ${fade})`;
}

describe('Neuroscope of an uploaded language model', { timeout: 1_800_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    const spec = {
      name: 'neuroscope-browser-lm',
      task: { kind: 'lm', corpus: 'builtin-stories' },
      model: { kind: 'transformer', ...M, dVocab: VOCAB, dVocabOut: VOCAB, attnOnly: false, normalization: 'LN',
        useAttnScale: false, actFn: 'gelu_new', attnTypes: ['global'], lnEps: 1e-5, tiedEmbeddings: false },
      training: { optimizer: 'adamw', lr: 0.003, weightDecay: 0.01, beta1: 0.9, beta2: 0.99, schedule: 'cosine',
        warmupSteps: 100, batchSize: 16, steps: 2000, evalEvery: 100, checkpoints: 'every', checkpointEvery: 250 },
      seed: 1,
    };
    const form = new FormData();
    form.append('file', new Blob([tinyLm()], { type: 'application/octet-stream' }), 'tiny-lm.safetensors');
    form.append('spec', JSON.stringify(spec));
    const response = await fetch(`${LAB_URL}/api/checkpoints`, {
      method: 'POST', body: form, headers: { Authorization: `Bearer ${await adminToken()}` },
    });
    const body = await response.json();
    assert.equal(response.status, 202, JSON.stringify(body));
    checkpointId = body.checkpointId;
  });

  after(async () => {
    assert.deepEqual(browser?.problems ?? [], [], 'no page errors');
    await browser?.close();
  });

  test('the model page shows its QK/OV tables from the factors and scans on request with progress', async () => {
    const index = await eventually(async () => {
      const a = await apiGet(`/api/checkpoints/${checkpointId}/analysis`);
      return a.tables.some((t) => t.name === 'OV.L0H1.copying') && a;
    }, { what: 'the LM circuit tables', timeout: 900_000, interval: 2000 });
    assert.equal(index.tablesFailed, 0, JSON.stringify(index.tables.filter((t) => t.error)));
    assert.equal(index.tablesOk, M.nHeads * 6);
    assert.deepEqual(await apiGet(`/api/models/${checkpointId}/neuroscope/scans`), [], 'an upload is not scanned by itself');

    await page.goto(`${LAB_URL}/#/checkpoints/${checkpointId}`);
    const top = page.locator('[data-testid="table-QK.L0H0.top"] [data-testid=number-table]');
    await top.waitFor({ timeout: 60_000 });
    const api = await apiGet(`/api/checkpoints/${checkpointId}/analysis/QK.L0H0.top`);
    assert.equal(await top.locator('tbody tr').count(), 20);
    assert.equal(await top.locator('tbody tr').first().locator('th').textContent(), api.rowLabels[0]);

    const button = page.getByTestId('request-scan');
    await button.click();
    await page.getByTestId('scan-progress').waitFor({ timeout: 30_000 });
    const scans = await apiGet(`/api/models/${checkpointId}/neuroscope/scans`);
    assert.equal(scans.length, 1, 'the button queued one scan');
    await page.locator('[data-testid=scan-status][data-status=COMPLETED]').waitFor({ timeout: 600_000 });
    assert.equal(await page.getByTestId('scan-progress').getAttribute('value'), '1');
    await screenshot(page, 'neuroscope-model-page');
  });

  test('a hovered token of a neuron page shows the activation the API stored', async () => {
    const n = await apiGet(`/api/models/${checkpointId}/neurons/0/3`);
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/neurons/0/3`);
    await page.getByTestId('neuron-title').waitFor();
    const first = page.locator('[data-testid=top-examples] [data-testid=example]').first();
    const center = first.locator('.tok[data-center=true]');
    await center.hover();
    const readout = page.getByTestId('token-value');
    const expected = n.top[0].acts[n.top[0].center];
    assert.equal(Number(await readout.getAttribute('data-act')), expected);
    assert.ok((await readout.textContent()).includes(JSON.stringify(n.top[0].text[n.top[0].center].replace(/\n/g, '↵'))));
    assert.equal(await center.evaluate((e) => getComputedStyle(e).backgroundColor), colour(expected, Math.abs(n.maxActivation)));
    await screenshot(page, 'neuroscope-neuron');
  });

  test('live text colours typed text by the activations the model gives it now, and leads to a neuron', async () => {
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/neurons`);
    await page.getByTestId('live-input').fill('Once upon a time there was an owl.');
    await page.getByTestId('live-run').click();
    const tokens = page.locator('[data-testid=live-output] .tok');
    await tokens.first().waitFor({ timeout: 30_000 });
    const live = await (await fetch(`${LAB_URL}/api/models/${checkpointId}/neuroscope/live`, {
      method: 'POST', body: JSON.stringify({ text: 'Once upon a time there was an owl.' }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await adminToken()}` },
    })).json();
    assert.equal(await tokens.count(), live.tokens.length);
    const best = (i) => Math.max(...live.layers.map((l) => l.perToken[i][0]?.activation ?? 0));
    const scale = Math.max(1e-9, ...live.layers.flatMap((l) => l.overall.map((a) => a.activation)));
    for (let i = 0; i < live.tokens.length; i++) {
      const span = tokens.nth(i);
      assert.equal(await span.textContent(), live.text[i].replace(/\n/g, '↵'));
      assert.equal(await span.evaluate((e) => getComputedStyle(e).backgroundColor), colour(best(i), scale), `token ${i}`);
    }
    await tokens.nth(1).hover();
    assert.equal(Number(await page.getByTestId('token-value').getAttribute('data-act')), best(1));
    await tokens.nth(1).click();
    const link = page.locator('[data-testid=live-token-neurons] a.neuron-link').first();
    const href = await link.getAttribute('href');
    await link.click();
    const [, layer, neuron] = href.match(/neurons\/(\d+)\/(\d+)$/);
    await page.locator(`[data-testid=neuron-title]:text("Neuron L${layer}N${neuron}")`).waitFor();
  });

  test('a similar-neuron link opens that neuron', async () => {
    await page.goto(`${LAB_URL}/#/models/${checkpointId}/neurons/0/5`);
    await page.getByTestId('neuron-title').waitFor();
    const n = await apiGet(`/api/models/${checkpointId}/neurons/0/5`);
    const link = page.locator('[data-testid=similar] a').first();
    assert.equal(await link.textContent(), `L0N${n.similarByWOut[0].neuron}`);
    await link.click();
    await page.locator(`[data-testid=neuron-title]:text("Neuron L0N${n.similarByWOut[0].neuron}")`).waitFor();
    assert.ok(page.url().endsWith(`/neurons/0/${n.similarByWOut[0].neuron}`));
  });
});
