// Heads matched across models on the compare page (issue 10, item 9: "head order across seeds is the seed 000
// question"). Which head does what is arbitrary across seeds, so the page can pair the heads of one layer by the
// similarity of their tables of a kind (Pearson correlation of the label-aligned values, or |corr|) with the one-to-one
// assignment of largest total, instead of by label. Models are xor-shaped transformers uploaded through
// POST /api/checkpoints with weights written here:
// - A has three heads of seeded random weights; B is A with its heads permuted (W_Q, W_K, W_V, W_O, b_Q, b_K, b_V
//   along the head axis). The matching must recover the permutation with similarity 1 and differences 0, while the
//   pairing by label must not (its similarities below 1, its difference not 0).
// - C and D have four heads of independent random weights: the page's matching is checked against the best of all
//   24 pairings, with the similarities computed here from the API's tables, for two kinds and both measures. For
//   these seeds the best pairing is never the one by label, and in 3 of the 4 cases not the one a greedy choice of
//   the largest similarities first would make.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, eventually, launch, screenshot, uploadModel } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

let browser;
let page;
let spec;
const ids = {};
/** The compare page's label of each model: its name and the checkpoint id's start. */
const labels = {};
/** B's head h is A's head PERM[h]: A.L0H0 ↔ B.L0H1, A.L0H1 ↔ B.L0H2, A.L0H2 ↔ B.L0H0. */
const PERM = [2, 0, 1];

/** A Lehmer generator, so that every model is the same on every run. */
function uniform(seed) {
  let a = seed;
  return () => { a = (a * 16807) % 2147483647; return a / 2147483647 - 0.5; };
}

/** The weights of a 1-layer attention-only transformer with random values; per-head tensors in head order `order`. */
function transformer(m, seed, order = [...Array(m.nHeads).keys()]) {
  const rnd = uniform(seed);
  const t = {};
  const random = (shape) => {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = rnd() * 1.6;
    return { shape, data };
  };
  const perHead = ({ shape, data }) => {
    const size = data.length / shape[0];
    const out = new Float32Array(data.length);
    order.forEach((from, h) => out.set(data.subarray(from * size, (from + 1) * size), h * size));
    return { shape, data: out };
  };
  t['embed.W_E'] = random([m.dVocab, m.dModel]);
  t['pos_embed.W_pos'] = random([m.nCtx, m.dModel]);
  for (const x of ['W_Q', 'W_K', 'W_V']) t[`blocks.0.attn.${x}`] = perHead(random([m.nHeads, m.dModel, m.dHead]));
  t['blocks.0.attn.W_O'] = perHead(random([m.nHeads, m.dHead, m.dModel]));
  for (const x of ['b_Q', 'b_K', 'b_V']) t[`blocks.0.attn.${x}`] = perHead(random([m.nHeads, m.dHead]));
  t['blocks.0.attn.b_O'] = random([m.dModel]);
  t['unembed.W_U'] = random([m.dModel, m.dVocabOut]);
  t['unembed.b_U'] = random([m.dVocabOut]);
  return safetensors(t);
}

async function upload(name, nHeads, seed, order) {
  const model = { ...spec.model, nHeads };
  const answer = await uploadModel(transformer(model, seed, order), { ...spec, model, name }, `${name}.safetensors`);
  await eventually(async () => {
    const tables = (await apiGet(`/api/checkpoints/${answer.checkpointId}/analysis`)).tables;
    return [...Array(nHeads).keys()].every((h) => ['EQKE', 'EVOU'].every((k) => tables.some((t) => t.name === `${k}.L0H${h}` && !t.error)));
  }, { what: `the analysis of ${name}`, timeout: 240_000 });
  return { id: answer.checkpointId, label: `${name} (${answer.checkpointId.slice(0, 6)})` };
}

function pearson(x, y) {
  const a = x.values.flat(), b = y.values.flat();
  const ma = a.reduce((s, v) => s + v, 0) / a.length, mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((v, i) => { ab += (v - ma) * (b[i] - mb); aa += (v - ma) ** 2; bb += (b[i] - mb) ** 2; });
  return ab / Math.sqrt(aa * bb);
}

function permutations(n) {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => [...Array(n).keys()].map((at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

const heads = (n) => [...Array(n).keys()].map((h) => `L0H${h}`);
const tablesOf = (id, kind, n) => Promise.all(heads(n).map((h) => apiGet(`/api/checkpoints/${id}/analysis/${kind}.${h}`)));

/** The page's matching table: [{a, b, similarity, identity}], and its totals. */
async function matchingShown(nth = 0) {
  const table = page.getByTestId('head-matching').nth(nth);
  await table.waitFor({ timeout: 60_000 });
  const rows = await table.getByTestId('head-match').evaluateAll((trs) => trs.map((tr) => ({
    a: tr.dataset.a, b: tr.dataset.b, similarity: Number(tr.dataset.similarity), identity: Number(tr.dataset.identity),
    text: tr.textContent })));
  return { rows, total: Number(await table.getAttribute('data-total')), identityTotal: Number(await table.getAttribute('data-identity-total')) };
}

describe('compare: heads matched across models by the similarity of their tables', { timeout: 900_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    spec = (await apiGet('/api/presets')).find((p) => p.name === 'xor').spec;
    const stamp = Date.now();
    const models = {
      a: await upload(`heads-a-${stamp}`, 3, 777),
      b: await upload(`heads-b-${stamp}`, 3, 777, PERM),
      c: await upload(`heads-c-${stamp}`, 4, 4242),
      d: await upload(`heads-d-${stamp}`, 4, 90210),
    };
    for (const [key, { id, label }] of Object.entries(models)) { ids[key] = id; labels[key] = label; }
  });

  after(async () => {
    try {
      assert.deepEqual(browser?.problems.filter((p) => !p.includes('Failed to load resource')) ?? [], [], 'no page errors');
    } finally {
      await browser?.close();
    }
  });

  test('by label, B\'s permuted heads differ from A\'s; the toggle puts the matching in the URL', async () => {
    await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.a},${ids.b}&table=EQKE.L0H0`);
    const diff = page.getByTestId('compare-difference').getByTestId('heatmap');
    await diff.waitFor({ timeout: 60_000 });
    const max = Number((await diff.getAttribute('data-scale')).split(':')[2]);
    assert.ok(max > 0.01, `L0H0 of A and of B are different heads: max |A − B| = ${max}`);
    assert.match(await page.getByTestId('compare-alignment').textContent(), /Head L0H0 is compared with head L0H0/);
    await page.getByTestId('compare-match-heads').check();
    await eventually(async () => new URLSearchParams(page.url().split('?')[1]).get('match') === 'corr', { what: '&match=corr', timeout: 10_000 });
    await page.getByTestId('head-matching').waitFor({ timeout: 60_000 });
    await page.getByTestId('compare-match-measure').selectOption('abscorr');
    await eventually(async () => new URLSearchParams(page.url().split('?')[1]).get('match') === 'abscorr', { what: '&match=abscorr', timeout: 10_000 });
    await page.getByTestId('compare-match-heads').uncheck();
    await eventually(async () => !page.url().includes('match='), { what: 'matching off', timeout: 10_000 });
    await page.getByTestId('compare-alignment').waitFor({ timeout: 60_000 });
  });

  test('matching recovers the permutation: similarity 1, every matched difference 0, the pairing by label below', async () => {
    const [a, b] = await Promise.all([tablesOf(ids.a, 'EQKE', 3), tablesOf(ids.b, 'EQKE', 3)]);
    await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.a},${ids.b}&table=EQKE.L0H1&match=corr`);
    const shown = await matchingShown();
    assert.deepEqual(shown.rows.map((r) => [r.a, r.b]), [['L0H0', 'L0H1'], ['L0H1', 'L0H2'], ['L0H2', 'L0H0']],
      'A\'s head PERM[h] is B\'s head h');
    for (const [i, r] of shown.rows.entries()) {
      assert.ok(Math.abs(r.similarity - 1) < 1e-6, `${r.a} ↔ ${r.b}: corr ${r.similarity}`);
      assert.match(r.text, /1\.000/);
      const byLabel = pearson(a[i], b[i]);
      assert.ok(Math.abs(r.identity - byLabel) < 1e-5, `${r.a} by label: page ${r.identity}, API tables ${byLabel}`);
      assert.ok(r.identity < 0.99, `the pairing by label is a mismatch at ${r.a}: ${r.identity}`);
    }
    assert.ok(Math.abs(shown.total - 3) < 1e-5, `total ${shown.total}`);
    assert.ok(shown.identityTotal < shown.total - 0.01, `by label ${shown.identityTotal} < matched ${shown.total}`);
    assert.match(await page.getByTestId('compare-head-note').textContent(), /Pearson correlation of the label-aligned values.*Hungarian/);
    assert.equal(await page.getByTestId('compare-head-legend').textContent(), `A = ${labels.a} · B = ${labels.b}`);

    // the similarity of every pair, drawn: 1 exactly where B's head is A's permuted one
    const sim = page.getByTestId('head-similarity').getByTestId('heatmap');
    assert.equal(await sim.getAttribute('data-rows'), '3');
    assert.equal(await sim.getAttribute('data-scale'), 'diverging:-1:1');

    // each matched pair side by side on one scale, and its difference 0 everywhere
    const pairs = page.getByTestId('matched-pair');
    assert.equal(await pairs.count(), 3);
    const scales = new Set();
    for (let i = 0; i < 3; i++) {
      const pair = pairs.nth(i);
      assert.equal(await pair.getAttribute('data-head'), `L0H${i}`);
      assert.equal(await pair.getAttribute('data-partners'), `L0H${PERM.indexOf(i)}`);
      const maps = pair.getByTestId('compare-table').getByTestId('heatmap');
      assert.deepEqual(await maps.evaluateAll((cs) => cs.map((c) => c.dataset.table)), [`A · EQKE.L0H${i}`, `B · EQKE.L0H${PERM.indexOf(i)}`]);
      assert.deepEqual(await pair.getByTestId('compare-table').evaluateAll((cs) => cs.map((c) => c.dataset.label)), [labels.a, labels.b]);
      for (const s of await maps.evaluateAll((cs) => cs.map((c) => c.dataset.scale))) scales.add(s);
      const diff = pair.getByTestId('compare-difference').getByTestId('heatmap');
      assert.equal(Number((await diff.getAttribute('data-scale')).split(':')[2]), 0, `A.L0H${i} − its match is 0 everywhere`);
      assert.equal(await diff.getAttribute('data-rows'), String(a[i].rowLabels.length));
    }
    assert.equal(scales.size, 1, `one colour scale for every head's table: ${[...scales]}`);
    const max = Math.max(...a.flatMap((t) => t.values.flat().map(Math.abs)));
    assert.ok(Math.abs(Number([...scales][0].split(':')[2]) - max) < 1e-5 * max, `the scale reaches the largest |EQKE|: ${[...scales]} vs ${max}`);
    await screenshot(page, 'compare-heads');
  });

  test('three models, one with a head more: each is matched to the first, the extra head is named', async () => {
    const [a, c] = await Promise.all([tablesOf(ids.a, 'EVOU', 3), tablesOf(ids.c, 'EVOU', 4)]);
    await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.a},${ids.b},${ids.c}&table=EVOU.L0H0&match=corr`);
    await eventually(async () => (await page.getByTestId('head-matching').count()) === 2, { what: 'two matchings', timeout: 60_000 });
    assert.deepEqual((await matchingShown(0)).rows.map((r) => r.b), ['L0H1', 'L0H2', 'L0H0'], 'A ↔ B: the permutation again, by EVOU');
    // A's three heads into C's four: the best of the 24 one-to-one choices, by brute force
    const score = a.map((x) => c.map((y) => pearson(x, y)));
    const best = permutations(4).map((p) => ({ p: p.slice(0, 3), total: p.slice(0, 3).reduce((s, j, i) => s + score[i][j], 0) }))
      .sort((x, y) => y.total - x.total)[0];
    const shown = await matchingShown(1);
    assert.equal(await page.getByTestId('head-matching').nth(1).getAttribute('data-model'), labels.c);
    assert.deepEqual(shown.rows.map((r) => r.b), best.p.map((j) => `L0H${j}`), `brute force ${best.p} (${best.total}), page ${shown.total}`);
    assert.ok(Math.abs(shown.total - best.total) < 1e-4);
    const left = [0, 1, 2, 3].find((j) => !best.p.includes(j));
    assert.match(await page.getByTestId('head-unmatched').textContent(), new RegExp(`C\\.L0H${left}\\.`));
    // each of A's heads beside its match in B and in C, and both differences
    const pair = page.getByTestId('matched-pair').nth(0);
    assert.equal(await pair.getAttribute('data-partners'), `L0H1,L0H${best.p[0]}`);
    assert.deepEqual(await pair.getByTestId('heatmap').evaluateAll((cs) => cs.map((x) => x.dataset.table)),
      ['A · EVOU.L0H0', 'B · EVOU.L0H1', `C · EVOU.L0H${best.p[0]}`, 'A.L0H0 − B.L0H1', `A.L0H0 − C.L0H${best.p[0]}`]);
    assert.equal(Number((await pair.getByTestId('compare-difference').nth(0).getByTestId('heatmap').getAttribute('data-scale')).split(':')[2]), 0);
    const maxAC = Math.max(...a[0].values.flat().map((v, k) => Math.abs(v - c[best.p[0]].values.flat()[k])));
    const shownAC = Number((await pair.getByTestId('compare-difference').nth(1).getByTestId('heatmap').getAttribute('data-scale')).split(':')[2]);
    assert.ok(Math.abs(shownAC - maxAC) < 1e-5, `max |A.L0H0 − C.L0H${best.p[0]}|: ${shownAC} vs ${maxAC}`);
  });

  for (const kind of ['EQKE', 'EVOU']) {
    for (const measure of ['corr', 'abscorr']) {
      test(`four independent heads, ${kind} by ${measure}: the page's matching is the best of the 24 pairings`, async () => {
        const [c, d] = await Promise.all([tablesOf(ids.c, kind, 4), tablesOf(ids.d, kind, 4)]);
        const score = c.map((x) => d.map((y) => (measure === 'abscorr' ? Math.abs(pearson(x, y)) : pearson(x, y))));
        const ranked = permutations(4).map((p) => ({ p, total: p.reduce((s, j, i) => s + score[i][j], 0) }))
          .sort((x, y) => y.total - x.total);
        assert.ok(ranked[0].total - ranked[1].total > 1e-4, 'one best pairing (the test\'s models must not tie)');
        assert.notDeepEqual(ranked[0].p, [0, 1, 2, 3], 'the best pairing is not the one by label');
        await page.goto(`${LAB_URL}/#/compare?checkpoints=${ids.c},${ids.d}&table=${kind}.L0H2&match=${measure}`);
        const shown = await matchingShown();
        assert.deepEqual(shown.rows.map((r) => r.b), ranked[0].p.map((j) => `L0H${j}`),
          `best by brute force ${ranked[0].p} (total ${ranked[0].total}); the page: ${shown.rows.map((r) => r.b)} (total ${shown.total})`);
        assert.ok(Math.abs(shown.total - ranked[0].total) < 1e-4, `total ${shown.total} vs ${ranked[0].total}`);
        shown.rows.forEach((r, i) => {
          assert.ok(Math.abs(r.similarity - score[i][ranked[0].p[i]]) < 1e-5, `${r.a} ↔ ${r.b}: ${r.similarity} vs ${score[i][ranked[0].p[i]]}`);
          assert.ok(Math.abs(r.identity - score[i][i]) < 1e-5, `${r.a} by label: ${r.identity} vs ${score[i][i]}`);
        });
        const identity = ranked.find((x) => x.p.every((j, i) => j === i)).total;
        assert.ok(Math.abs(shown.identityTotal - identity) < 1e-4, `by label ${shown.identityTotal} vs ${identity}`);
      });
    }
  }
});
