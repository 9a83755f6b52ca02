// The researcher's path through the web UI in a real browser, against a running lab (LAB_URL): submit XOR from the
// form, watch its curve move and the run finish, read a hovered value off its EQKE heatmap, see validation errors at
// their fields, start a sweep and open its view, and compare two runs (big tables: big-table.test.mjs, against the real sliced API).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, eventually, launch, screenshot } from '../lib/lab.mjs';

const UUID = /[0-9a-f-]{36}/;
let browser;
let page;
let xorId;
let sweepRunIds = [];

/** Moves the mouse to the centre of cell (r, c) of a heatmap canvas and returns the tooltip's data. */
async function hoverCell(canvas, r, c, rows, cols) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const [left, top, w, h] = (await canvas.getAttribute('data-plot')).split(',').map(Number);
  await page.mouse.move(box.x + left + (c + 0.5) * w / cols, box.y + top + (r + 0.5) * h / rows);
  const tip = page.getByTestId('cell-value');
  await tip.waitFor({ state: 'visible' });
  return {
    text: await tip.textContent(),
    row: Number(await tip.getAttribute('data-row')),
    col: Number(await tip.getAttribute('data-col')),
    value: Number(await tip.getAttribute('data-value')),
  };
}

describe('dashboard web UI', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
  });

  test('the experiment list loads with its filters', async () => {
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('experiments-table').waitFor();
    for (const id of ['filter-task', 'filter-status', 'filter-tag', 'filter-q']) await page.getByTestId(id).waitFor();
    assert.equal(await page.title(), 'interplab');
  });

  test('XOR submitted from the form trains live: the curve moves and the run finishes', async () => {
    await page.goto(`${LAB_URL}/#/new`);
    await page.getByTestId('preset-xor').click();
    const seed = String(1000 + Math.floor(Math.random() * 1_000_000));
    await page.getByTestId('field-seed').fill(seed);
    assert.equal(await page.getByTestId('field-model.nHeads').inputValue(), '2', 'the xor preset has 2 heads');
    // long enough to watch: the preset's 200 steps can finish between two SSE updates on a quiet machine
    await page.getByTestId('field-training.steps').fill('2000');
    await screenshot(page, 'new-experiment');
    // sample the chart's point count every 50 ms from the moment the run page exists (hash navigation keeps window)
    await page.evaluate(() => {
      window.__points = [];
      setInterval(() => {
        const chart = document.querySelector('[data-testid=metrics-chart]');
        if (chart) window.__points.push(Number(chart.dataset.points));
      }, 50);
    });
    await page.getByTestId('submit-experiment').click();
    await page.waitForURL(/#\/experiments\/[0-9a-f-]{36}$/);
    xorId = page.url().match(UUID)[0];
    await page.getByTestId('experiment-view').waitFor();
    await page.locator('[data-testid=status-box] [data-testid=status]', { hasText: 'COMPLETED' }).waitFor({ timeout: 240_000 });
    const metrics = await apiGet(`/api/experiments/${xorId}/metrics`);
    await eventually(async () => Number(await page.getByTestId('metrics-chart').getAttribute('data-points')) === metrics.length,
      { what: 'the chart to hold every evaluation', timeout: 20_000 });
    const seen = [...new Set(await page.evaluate(() => window.__points))].filter((n) => n > 0);
    assert.ok(seen.length >= 2, `the curve grew while training (point counts seen: ${seen.join(', ')})`);
    assert.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]), `points only arrive (${seen.join(', ')})`);
    const detail = await apiGet(`/api/experiments/${xorId}`);
    assert.equal(await page.getByTestId('progress').textContent(), `step ${detail.step} / ${detail.totalSteps}`);
    assert.equal(await page.getByTestId('provenance-seed').textContent(), seed);
    assert.equal(await page.getByTestId('cancel').isHidden(), true, 'no cancel button on a finished run');
    // the watch slider over analysed checkpoints appears; the final checkpoint's analysis link exists
    await page.getByTestId('checkpoint-slider').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid=watch-card] [data-testid=heatmap], [data-testid=watch-card] table').first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'run');
  });

  test('the checkpoint slider shows the chosen table at an earlier step', async () => {
    const slider = page.getByTestId('checkpoint-slider');
    const label = page.getByTestId('checkpoint-slider-label');
    const last = await label.textContent();
    await slider.evaluate((s) => { s.value = '0'; s.dispatchEvent(new Event('input')); });
    await eventually(async () => (await label.textContent()) !== last, { what: 'the slider label to change', timeout: 10_000 });
    const checkpoints = await apiGet(`/api/experiments/${xorId}/checkpoints`);
    const first = checkpoints.find((c) => c.analysis && c.analysis.tables.length);
    assert.match(await label.textContent(), new RegExp(`^step ${first.step}\\b`));
    assert.equal(await page.getByTestId('watch-card').getAttribute('data-checkpoint'), first.checkpointId);
  });

  test('the EQKE heatmap of the final checkpoint shows the hovered value', async () => {
    const detail = await apiGet(`/api/experiments/${xorId}`);
    const finalId = detail.checkpoints.finalCheckpointId;
    assert.ok(finalId, 'a final checkpoint exists');
    await eventually(async () => (await apiGet(`/api/checkpoints/${finalId}/analysis`)).tables.length > 0,
      { what: 'the final checkpoint to be analysed' });
    await page.locator(`[data-testid=checkpoint-row][data-id="${finalId}"] [data-testid=analysis-link]`).click();
    await page.waitForURL(new RegExp(`#/checkpoints/${finalId}`));
    const card = page.locator('[data-testid="table-EQKE.L0H0"]');
    await card.scrollIntoViewIfNeeded();
    await card.locator('[data-testid=heatmap][data-rendered]').waitFor({ timeout: 30_000 });
    const table = await apiGet(`/api/checkpoints/${finalId}/analysis/EQKE.L0H0`);
    const rows = table.values.length;
    const cols = table.values[0].length;
    const r = rows - 1;
    const c = Math.min(1, cols - 1);
    const tip = await hoverCell(card.locator('canvas[data-testid=heatmap]'), r, c, rows, cols);
    assert.equal(tip.row, r);
    assert.equal(tip.col, c);
    assert.ok(Math.abs(tip.value - table.values[r][c]) <= 1e-5 * Math.max(1, Math.abs(table.values[r][c])),
      `hovered ${tip.value}, the API says ${table.values[r][c]}`);
    assert.ok(tip.text.includes(String(table.rowLabels[r])) && tip.text.includes(String(table.colLabels[c])),
      `the tooltip names the tokens: ${tip.text}`);
    assert.equal(await card.getByTestId('export-csv').getAttribute('href'),
      `/api/checkpoints/${finalId}/analysis/EQKE.L0H0?format=csv`);
    const download = page.waitForEvent('download');
    await card.getByTestId('export-png').click();
    assert.equal((await download).suggestedFilename(), 'EQKE.L0H0.png');
    await page.locator('[data-testid=table-head_order] [data-testid=head-order]').waitFor({ timeout: 30_000 }).catch(() => {});
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'analysis');
  });

  test('server validation errors appear at the field they name', async () => {
    await page.goto(`${LAB_URL}/#/new?preset=xor`);
    await page.getByTestId('preset-xor').click();
    await page.getByTestId('field-training.lr').fill('0');
    await page.getByTestId('submit-experiment').click();
    const lr = page.getByTestId('error-training.lr');
    await lr.waitFor({ state: 'visible' });
    assert.match(await lr.textContent(), /must be in \(0, 10\]/);
    // fixing it and breaking another field moves the error there
    await page.getByTestId('field-training.lr').fill('0.01');
    await page.getByTestId('field-model.nHeads').fill('-2');
    await page.getByTestId('submit-experiment').click();
    const heads = page.getByTestId('error-model.nHeads');
    await heads.waitFor({ state: 'visible' });
    assert.match(await heads.textContent(), /must be in \[1, 1024\]/);
    assert.equal(await lr.isHidden(), true, 'the fixed field shows no error');
    assert.match(page.url(), /#\/new/, 'the form stays open');
    await screenshot(page, 'new-experiment-errors');
  });

  test('a sweep from the grid builder starts its runs and has its own view', async () => {
    await page.goto(`${LAB_URL}/#/new`);
    await page.getByTestId('preset-xor').click();
    await page.getByTestId('grid-add').click();
    await page.getByTestId('grid-param').last().selectOption('training.lr');
    await page.getByTestId('grid-values').last().fill('0.01, 0.03');
    await page.getByTestId('grid-add').click();
    await page.getByTestId('grid-param').last().selectOption('seed');
    await page.getByTestId('grid-values').last().fill('5, 6');
    assert.equal(await page.getByTestId('grid-count').getAttribute('data-count'), '4');
    await page.getByTestId('submit-experiment').click();
    await page.waitForURL(/#\/sweeps\/[0-9a-f-]{36}$/, { timeout: 30_000 }).catch(async (e) => {
      throw new Error(`no sweep view (${await page.getByTestId('form-error').textContent()} ${await page.getByTestId('error-grid').textContent()}): ${e.message}`);
    });
    const runs = page.getByTestId('sweep-run');
    await eventually(async () => (await runs.count()) === 4, { what: 'four runs in the sweep view', timeout: 60_000 });
    sweepRunIds = await runs.evaluateAll((rs) => rs.map((r) => r.dataset.id));
    await eventually(async () => (await page.locator('[data-testid=sweep-run][data-status=COMPLETED]').count()) === 4,
      { what: 'the sweep to finish', timeout: 400_000, interval: 2000 });
    const summary = await page.getByTestId('sweep-summary').textContent();
    assert.match(summary, /grid over .*training\.lr/);
    await screenshot(page, 'sweep');
  });

  test('two runs compare: overlaid curves and the diff of their specs', async () => {
    const ids = [xorId, sweepRunIds[0]].filter(Boolean);
    assert.equal(ids.length, 2, 'the XOR run and a sweep run exist');
    await page.goto(`${LAB_URL}/#/compare?ids=${ids.join(',')}`);
    await page.getByTestId('spec-diff').waitFor();
    const [a, b] = await Promise.all(ids.map((id) => apiGet(`/api/experiments/${id}`)));
    const seedRow = page.locator('[data-testid=diff-row][data-path=seed] td');
    assert.deepEqual(await seedRow.allTextContents(), [String(a.spec.seed), String(b.spec.seed)]);
    const series = await page.getByTestId('metrics-chart').getAttribute('data-points');
    const [ma, mb] = await Promise.all(ids.map((id) => apiGet(`/api/experiments/${id}/metrics`)));
    assert.equal(Number(series), ma.length + mb.length, 'both curves are drawn');
    await screenshot(page, 'compare');
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('experiment-row').first().waitFor();
    await screenshot(page, 'experiments');
  });

  test('no script errors on any page', () => {
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors on any page');
  });
});
