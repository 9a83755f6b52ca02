// Accounts in a real browser: an anonymous visitor of a shared deep link gets the login form and, once logged in,
// lands on the page the link names; markup typed into a run's name, tags and notes is shown as text (stored XSS); an
// invited user changes the first password an admin gave them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, LAB_URL, adminToken, apiGet, apiPost, eventually, launch, screenshot } from '../lib/lab.mjs';

const MARKUP = '<img src=x onerror="window.__xss=1">';
let browser;
let page;
let runId;

describe('accounts and escaping in the web UI', { timeout: 300_000 }, () => {
  before(async () => {
    browser = await launch({ loginAs: null });
    page = browser.page;
    const submitted = await apiPost('/api/experiments',
      { preset: 'xor', seed: 4242, overrides: { name: `xss ${MARKUP}`, tags: [MARKUP], training: { steps: 50 } } });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    runId = submitted.body.id;
    const token = await adminToken();
    const note = await fetch(`${LAB_URL}/api/experiments/${runId}/notes`, {
      method: 'POST', body: JSON.stringify({ body: `**bold** ${MARKUP} <script>window.__xss=2</script>` }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    });
    assert.equal(note.status, 201, await note.text());
  });

  after(async () => {
    await browser?.close();
  });

  test('a shared deep link asks an anonymous visitor to log in, then opens the page it names', async () => {
    await page.goto(`${LAB_URL}/#/experiments/${runId}`);
    await page.getByTestId('login-form').waitFor();
    assert.equal(await page.getByTestId('experiment-view').count(), 0, 'nothing of the run before login');
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor({ state: 'visible' });
    await page.getByTestId('login-password').fill(ADMIN.password);
    await screenshot(page, 'login');
    await page.getByTestId('login-submit').click();
    await page.locator(`[data-testid=experiment-view][data-id="${runId}"]`).waitFor();
    assert.match(page.url(), new RegExp(`#/experiments/${runId}$`));
    assert.equal(await page.getByTestId('current-user').textContent(), `${ADMIN.username} (admin)`);
    const cookies = await browser.context.cookies(LAB_URL);
    const session = cookies.find((c) => c.name === 'lab_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(session.sameSite, 'Strict');
  });

  test('markup in a name, a tag and a note is shown as text, never run', async () => {
    await page.goto(`${LAB_URL}/#/experiments/${runId}`);
    const notes = page.getByTestId('note-body');
    await notes.first().waitFor();
    assert.equal(await notes.first().textContent(), `**bold** ${MARKUP} <script>window.__xss=2</script>`);
    assert.equal(await page.getByTestId('run-tags').textContent(), `Tags: ${MARKUP}`);
    assert.equal(await page.getByTestId('edit-name').inputValue(), `xss ${MARKUP}`);
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('experiments-table').waitFor();
    await eventually(async () => (await page.getByTestId('experiments-table').textContent()).includes(`xss ${MARKUP}`),
      { what: 'the name shown as text in the list', timeout: 20_000 });
    await page.goto(`${LAB_URL}/#/experiments/${runId}`);
    await notes.first().waitFor();
    await screenshot(page, 'run-notes-escaped');
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'no injected script ran');
    assert.equal(await page.locator('img[src=x]').count(), 0, 'no injected element exists');
    const detail = await apiGet(`/api/experiments/${runId}`);
    assert.equal(detail.owner, ADMIN.username);
    console.log('FIGURE auth.test.mjs (stored XSS): markup in 1 name, 1 tag and 1 note shown as text on the run '
      + 'page and in the list of a real chromium; 0 injected scripts ran, 0 injected elements');
  });

  test('an invited user changes the first password an admin gave them on the account page', async () => {
    const user = { username: `invitee-${Date.now()}`, password: 'first-pw-from-admin' };
    const made = await apiPost('/api/users', { ...user, role: 'viewer' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const loginStatus = async (password) => (await fetch(`${LAB_URL}/api/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: user.username, password }),
    })).status;
    const invitee = await launch({ loginAs: user });
    try {
      const p = invitee.page;
      await p.goto(`${LAB_URL}/#/account`);
      await p.getByTestId('password-view').waitFor();
      assert.equal(await p.getByTestId('users-view').count(), 0, 'a viewer sees no users table');
      await p.getByTestId('password-current').fill(user.password);
      await p.getByTestId('password-new').fill('my-own-password-1');
      await p.getByTestId('password-change').click();
      // every session of theirs ended: the page shows the login form
      await p.getByTestId('login-form').waitFor();
    } finally {
      await invitee.close();
    }
    assert.equal(await loginStatus(user.password), 401, 'the first password no longer works');
    assert.equal(await loginStatus('my-own-password-1'), 200, 'the new one does');
  });
});
