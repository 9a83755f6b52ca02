// The researcher's workbench against the real stack (issue 10, items 4 and 5): the runs list sorts and pages on
// the server (every run reachable), shows tags and each queued run's place in the queue as the API computes it,
// and clones a run into the new-experiment form; the Models page uploads a model by drag and drop with the
// server's errors at their fields, and lists it with its origin, spec summary, size and download.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, apiPost, eventually, launch, screenshot } from '../lib/lab.mjs';
import { safetensors } from '../lib/safetensors.mjs';

const stamp = Date.now().toString(36);
const NAME = `wb-${stamp}`;
const SEEDS = [401, 402, 403, 404, 405, 406, 407];
let browser;
let page;
let sweepId;

/** The API's page of runs, with X-Total-Count. */
async function apiPage(path) {
  const r = await fetch(LAB_URL + path, { headers: { Authorization: `Bearer ${await adminToken()}` } });
  assert.equal(r.status, 200, path);
  return { rows: await r.json(), total: Number(r.headers.get('X-Total-Count')) };
}

const rowSeeds = () => page.locator('[data-testid=experiment-row]').evaluateAll((rows) =>
  rows.map((r) => Number(r.querySelectorAll('td')[4].textContent)));

describe('the workbench: runs list, queue, clone, models', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
    // long runs, so that with every worker busy the rest wait in the queue; cancelled at the end
    const answer = await apiPost('/api/experiments', {
      preset: 'xor', overrides: { name: NAME, tags: ['wb-tag', stamp], training: { steps: 200000 } },
      grid: { seed: SEEDS },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    sweepId = answer.body.sweepId;
  });

  after(async () => {
    if (sweepId) await apiPost(`/api/sweeps/${sweepId}/cancel`, {});
    await browser?.close();
  });

  test('the runs list sorts and pages on the server and shows tags', async () => {
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('filter-q').fill(NAME);
    await page.getByTestId('sort-seed').click();
    await eventually(async () => JSON.stringify(await rowSeeds()) === JSON.stringify(SEEDS), { what: 'seeds ascending', timeout: 20_000 });
    await page.getByTestId('sort-seed').click();
    await eventually(async () => JSON.stringify(await rowSeeds()) === JSON.stringify([...SEEDS].reverse()), { what: 'seeds descending', timeout: 20_000 });
    assert.equal(await page.getByTestId('sort-seed').getAttribute('aria-sort'), 'descending');
    // five a page: page 2 holds the last two of the API's order, and the pager counts all seven
    await page.getByTestId('page-size').selectOption('5');
    await eventually(async () => (await rowSeeds()).length === 5, { what: 'a page of five', timeout: 20_000 });
    assert.equal(await page.getByTestId('pager').getAttribute('data-total'), String(SEEDS.length));
    await page.getByTestId('page-next').click();
    const api = await apiPage(`/api/experiments?q=${NAME}&sort=-seed&limit=5&offset=5`);
    assert.equal(api.total, SEEDS.length);
    await eventually(async () => JSON.stringify(await rowSeeds()) === JSON.stringify(api.rows.map((r) => r.seed)),
      { what: 'page 2 as the API pages it', timeout: 20_000 });
    assert.match(await page.getByTestId('page-range').textContent(), /6–7 of 7/);
    const tags = await page.locator('[data-testid=experiment-row] [data-testid=tags]').first().textContent();
    assert.ok(tags.includes('wb-tag') && tags.includes(stamp), `tags column: ${tags}`);
    await page.getByTestId('page-size').selectOption('50');
  });

  test('queued runs show their place in the queue as the API computes it', async () => {
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('filter-q').fill(NAME);
    await eventually(async () => {
      const api = (await apiPage(`/api/experiments?q=${NAME}&limit=50`)).rows.filter((r) => r.status === 'QUEUED');
      if (!api.length) return false;
      const shown = await page.locator('[data-testid=experiment-row][data-status=QUEUED]').evaluateAll((rows) =>
        Object.fromEntries(rows.map((r) => [r.dataset.id, r.querySelector('[data-testid=queue-time]').textContent])));
      // each queued run of the page reads "#position", the API's position for it (polls may be one step apart)
      return api.every((r) => shown[r.id] === undefined || shown[r.id].startsWith(`#${r.queue.position}`)
        || shown[r.id].startsWith(`#${r.queue.position + 1}`))
        && api.some((r) => shown[r.id]?.startsWith(`#${r.queue.position}`));
    }, { what: 'queue positions in the list', timeout: 60_000 });
    const queued = (await apiPage(`/api/experiments?q=${NAME}&limit=50&sort=createdAt`)).rows.filter((r) => r.status === 'QUEUED');
    const positions = queued.map((r) => r.queue.position);
    for (let i = 1; i < positions.length; i++) assert.equal(positions[i], positions[i - 1] + 1, `positions ${positions}`);
    await screenshot(page, 'runs-list-queue');
  });

  test('a run is cloned into the form and re-run with an edit', async () => {
    const source = (await apiPage(`/api/experiments?q=${NAME}&sort=seed&limit=1`)).rows[0];
    const detail = await apiGet(`/api/experiments/${source.id}`);
    await page.goto(`${LAB_URL}/#/experiments/${source.id}`);
    await page.getByTestId('clone-run').click();
    await page.waitForURL(/#\/new\?clone=/);
    await eventually(async () => (await page.getByTestId('preset-info').getAttribute('data-clone')) === source.id, { what: 'the clone', timeout: 20_000 });
    assert.equal(await page.getByTestId('field-training.steps').inputValue(), '200000');
    assert.equal(await page.getByTestId('field-seed').inputValue(), String(source.seed));
    assert.equal(await page.getByTestId('field-training.lr').inputValue(), String(detail.spec.training.lr));
    await page.getByTestId('field-seed').fill('999');
    await page.getByTestId('field-training.steps').fill('30');
    await page.getByTestId('submit-experiment').click();
    await page.waitForURL(/#\/experiments\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const cloned = await apiGet(`/api/experiments/${page.url().split('#/experiments/')[1]}`);
    assert.equal(cloned.seed, 999);
    assert.equal(cloned.spec.training.steps, 30);
    for (const path of ['lr', 'batchSize', 'weightDecay', 'optimizer']) {
      assert.deepEqual(cloned.spec.training[path], detail.spec.training[path], `training.${path} kept`);
    }
    assert.deepEqual(cloned.spec.model, detail.spec.model, 'the model spec is kept');
    assert.deepEqual(cloned.tags, detail.tags);
  });

  test('a model is uploaded from the Models page, errors at their fields, and listed with its size', async () => {
    const w = new Float32Array([0.9, 0.1, -0.2, 0.8, 0.5, -0.5, 0.3, 0.3, -0.7, 0.1]);
    const good = Buffer.from(safetensors({
      W: { shape: [1, 5, 2], data: w }, b_final: { shape: [1, 5], data: new Float32Array(5).fill(-0.05) },
    }));
    const name = `tms-upload-${stamp}`;
    const spec = (p) => JSON.stringify({
      name, task: { kind: 'tms', nFeatures: 5, featureProbability: p, importanceDecay: 0.9 },
      model: { kind: 'tms', nInstances: 1, nHidden: 2, actFn: 'relu', dropout: 0.0, l1: 0.0 },
      training: { optimizer: 'adamw', lr: 0.001, weightDecay: 0.0, beta1: 0.9, beta2: 0.999, schedule: 'constant',
        batchSize: 64, steps: 10, evalEvery: 5, checkpoints: 'geometric' }, seed: 1,
    });
    await page.goto(`${LAB_URL}/#/models`);
    // a file that is not safetensors: the error is at the file
    await page.getByTestId('upload-file').setInputFiles({ name: 'bad.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
    await page.getByTestId('upload-spec').fill(spec(0.1));
    await page.getByTestId('upload-submit').click();
    await eventually(async () => (await page.getByTestId('upload-error-file').textContent()).length > 0, { what: 'the file error', timeout: 30_000 });
    // a spec value out of range: the error is at the spec
    await page.getByTestId('upload-file').setInputFiles({ name: 'tms.safetensors', mimeType: 'application/octet-stream', buffer: good });
    await page.getByTestId('upload-spec').fill(spec(2));
    await page.getByTestId('upload-submit').click();
    await eventually(async () => /featureProbability/.test(await page.getByTestId('upload-error-spec').textContent()), { what: 'the spec error', timeout: 30_000 });
    assert.equal(await page.getByTestId('upload-error-file').textContent(), '');
    // dropped on the drop zone with a valid spec: stored, and its analysis page opens
    await page.getByTestId('upload-spec').fill(spec(0.1));
    const transfer = await page.evaluateHandle((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped.safetensors', { type: 'application/octet-stream' }));
      return dt;
    }, [...good]);
    await page.getByTestId('upload-drop').dispatchEvent('drop', { dataTransfer: transfer });
    assert.match(await page.getByTestId('upload-file-name').textContent(), /dropped\.safetensors/);
    await page.getByTestId('upload-submit').click();
    await page.waitForURL(/#\/checkpoints\/[0-9a-f-]{36}/, { timeout: 30_000 });
    const id = page.url().match(/#\/checkpoints\/([0-9a-f-]{36})/)[1];
    const detail = await apiGet(`/api/checkpoints/${id}`);
    // the trainer stores the tensors with the spec in the header's __metadata__: the stored file is a bit larger
    assert.ok(detail.sizeBytes > good.length && detail.sizeBytes < good.length + 4096, `stored ${detail.sizeBytes} bytes`);
    assert.ok(detail.sizeBytes < 1024, 'shown in bytes');

    await page.goto(`${LAB_URL}/#/models`);
    await page.getByTestId('models-q').fill(name);
    const row = page.locator(`[data-testid=model-row][data-id="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await row.getByTestId('model-origin').textContent(), 'uploaded');
    assert.match(await row.getByTestId('model-summary').textContent(), /TMS 5 features → 2 hidden, 1 instances/);
    await eventually(async () => (await row.getByTestId('model-size').textContent()) === `${detail.sizeBytes} B`, { what: 'the size', timeout: 20_000 });
    const href = await row.getByTestId('model-download').getAttribute('href');
    const download = await page.evaluate(async (url) => (await (await fetch(url)).arrayBuffer()).byteLength, href);
    assert.equal(download, detail.sizeBytes, 'the download is the stored file');
    // the origin filter keeps it under "uploaded" and not under "reference"
    await page.getByTestId('models-source').selectOption('reference');
    await eventually(async () => (await row.count()) === 0, { what: 'filtered out', timeout: 20_000 });
    await page.getByTestId('models-source').selectOption('uploaded');
    await row.waitFor({ timeout: 20_000 });
    await screenshot(page, 'models-page');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
