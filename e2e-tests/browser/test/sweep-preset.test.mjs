// A sweep preset in the form shows its grid and run count (issue 10, item 2), and a queued sweep is cancelled from
// its page: the real API asks the trainer to stop every run, and each one reaches CANCELLED.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, eventually, launch, screenshot } from '../lib/lab.mjs';

let browser;
let page;

describe('sweep presets and cancel', { timeout: 600_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
  });

  test('the tms-dropout-sweep chip fills the grid builder with its grid and run count', async () => {
    const preset = (await apiGet('/api/presets')).find((p) => p.name === 'tms-dropout-sweep');
    assert.ok(preset.grid && preset.points > 1, 'the API has the preset grid');
    await page.goto(`${LAB_URL}/#/new`);
    await page.getByTestId('preset-tms-dropout-sweep').click();
    await eventually(async () => (await page.getByTestId('grid-count').getAttribute('data-count')) === String(preset.points),
      { what: 'the run count of the preset grid', timeout: 10_000 });
    const params = await page.locator('[data-testid=grid-param]').evaluateAll((s) => s.map((x) => x.value));
    assert.deepEqual(params.sort(), Object.keys(preset.grid).sort());
    const values = await page.locator('[data-testid=grid-values]').evaluateAll((s) => s.map((x) => x.value));
    for (const [path, list] of Object.entries(preset.grid)) {
      assert.ok(values.includes(list.map(String).join(', ')), `${path} values shown: ${values}`);
    }
    assert.match(await page.locator('form button[type=submit]').textContent(), new RegExp(`Train ${preset.points} runs`));
    await screenshot(page, 'sweep-preset');
    // back to one run: the xor chip empties the builder
    await page.getByTestId('preset-xor').click();
    assert.equal(await page.getByTestId('grid-count').getAttribute('data-count'), '1');
  });

  // Logged in as the admin (as every browser test is): the button's POST carries the session cookie and this page's
  // Origin/Referer, which the access filter requires of a cookie-authenticated write.
  test('a sweep is cancelled from its page and every run ends CANCELLED', async () => {
    await page.goto(`${LAB_URL}/#/new`);
    await page.getByTestId('preset-tms-dropout-sweep').click();
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/#\/sweeps\//, { timeout: 30_000 });
    const sweepId = page.url().split('#/sweeps/')[1];
    const cancel = page.getByTestId('sweep-cancel');
    await cancel.waitFor({ timeout: 30_000 });
    await cancel.click();
    await eventually(async () => /cancel requested for \d+ run/.test(await cancel.textContent())
      || (await page.getByTestId('sweep-cancel-note').getAttribute('class')) === 'error', { what: 'the cancel answer', timeout: 60_000 });
    assert.equal(await page.getByTestId('sweep-cancel-note').textContent(), '', 'every run could be asked to stop');
    assert.match(await cancel.textContent(), /cancel requested for \d+ run/);
    const sweep = await eventually(async () => {
      const s = await apiGet(`/api/sweeps/${sweepId}`);
      return s.experiments.every((e) => ['CANCELLED', 'COMPLETED', 'FAILED'].includes(e.status)) ? s : null;
    }, { what: 'every run of the sweep to stop', timeout: 180_000 });
    assert.ok(sweep.experiments.some((e) => e.status === 'CANCELLED'), 'runs were cancelled');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
