// The Reproductions page (issue 11 §2) on the real stack: the XOR claim's Run button trains the xor preset through
// POST /api/experiments, and the page then shows that run's figure (its final test accuracy) as the claim's latest,
// linked to the run; the skip-trigram claim shows the figure the analysis service computed for the same run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, apiGet, eventually, launch, screenshot } from '../lib/lab.mjs';

let browser;
let page;

describe('reproductions page', { timeout: 400_000 }, () => {
  before(async () => {
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
  });

  test('a claim is run from the page and its figure comes from that run', async () => {
    const before = new Set((await apiGet('/api/reproductions/xor-solved')).runs.map((r) => r.experimentId));
    await page.goto(`${LAB_URL}/#/reproductions`);
    const row = page.getByTestId('claim-xor-solved');
    await row.waitFor({ timeout: 30_000 });
    const all = await apiGet('/api/reproductions');
    assert.equal(await page.locator('[data-testid=claims-table] tbody tr').count(), all.length, 'one row per claim');
    assert.match(await row.textContent(), /seed 003/);
    await row.getByTestId('claim-run-once').click();

    const claim = await eventually(async () => {
      const c = await apiGet('/api/reproductions/xor-solved');
      const fresh = c.runs.find((r) => !before.has(r.experimentId) && r.value != null);
      return fresh && c.latest?.experimentId === fresh.experimentId ? c : null;
    }, { what: 'the new xor run to complete with a figure', timeout: 240_000 });
    const latest = claim.latest;
    assert.equal(latest.seed, 1);
    assert.ok(latest.value >= 0 && latest.value <= 1, `test accuracy ${latest.value}`);
    const link = row.getByTestId('claim-latest');
    await eventually(async () => (await link.getAttribute('href')) === `#/experiments/${latest.experimentId}`,
      { what: 'the page to show the new run as the latest figure', timeout: 30_000 });
    assert.equal(Number(await link.textContent()), Number(latest.value.toPrecision(4)), 'the figure as the page rounds it');
    assert.equal(await row.getByTestId('claim-agreement').textContent(),
      `${claim.seedsAgree} of ${claim.seedsMeasured} seeds agree`);
    console.log(`xor-solved: run ${latest.experimentId} test_acc ${latest.value}; ${claim.seedsAgree} of ${claim.seedsMeasured} seeds agree`);

    // the same run's analysis: the skip-trigram ensemble's accuracy from its skip_trigram_gap table
    const gap = await eventually(async () => {
      const c = await apiGet('/api/reproductions/xor-skip-trigrams');
      const r = c.runs.find((x) => x.experimentId === latest.experimentId);
      return r?.value != null ? r : null;
    }, { what: 'the skip_trigram_gap figure of the run', timeout: 120_000 });
    console.log(`xor-skip-trigrams: skip-trigram ensemble accuracy ${gap.value} (agrees: ${gap.agrees})`);
    const chip = page.locator(`[data-testid=claim-xor-skip-trigrams] [data-experiment="${latest.experimentId}"]`);
    await eventually(async () => (await chip.textContent()).includes(` ${Number(gap.value.toPrecision(4))} `),
      { what: 'the skip-trigram figure on the page', timeout: 30_000 });
    await screenshot(page, 'reproductions');
    assert.deepEqual(browser.problems.filter((p) => !p.includes('Failed to load resource')), [], 'no script errors');
  });
});
