// The optional OIDC login in a real browser against a real Keycloak (infra/keycloak.sh, realm `lab`): "Log in with
// Keycloak" on the lab's login page, Keycloak's own login form, back in the lab with the role the user's Keycloak
// group maps to (rita: lab-researchers → researcher, submits; vic: staff → viewer, refused with 403), the same session
// cookie and CSRF rule as a password login, the page a deep link named, logout. Runs when LAB_KEYCLOAK_URL is set
// (`infra/keycloak.sh env`, and the dashboard was started with the LAB_OIDC_* lines of that output).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_URL, adminToken, apiGet, launch, screenshot } from '../lib/lab.mjs';

const KEYCLOAK = process.env.LAB_KEYCLOAK_URL;
const PASSWORD = process.env.LAB_KEYCLOAK_USER_PASSWORD;
const XOR = { preset: 'xor', seed: 7, overrides: { training: { steps: 20 } } };
const browsers = [];

/** A fresh browser (no lab or Keycloak session) that logs in through Keycloak from the deep link #/new. */
async function loginThroughKeycloak(username, { refused = false } = {}) {
  const browser = await launch({ loginAs: null });
  browsers.push(browser);
  const { page } = browser;
  await page.goto(`${LAB_URL}/#/new`);
  await page.getByTestId('login-form').waitFor();
  const button = page.getByTestId('oidc-login');
  assert.equal(await button.textContent(), 'Log in with Keycloak');
  if (username === 'rita') await screenshot(page, 'oidc-login-button');
  await button.click();
  await page.waitForURL((url) => url.href.startsWith(`${KEYCLOAK}/realms/lab/`));
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  if (username === 'rita') await screenshot(page, 'oidc-keycloak-login');
  await page.locator('#kc-login').click();
  await page.getByTestId(refused ? 'login-error' : 'current-user').waitFor({ timeout: 30_000 });
  return browser;
}

/** A write from this browser's context with its cookies (the lab session), from the given origin. */
function submitWithCookie(browser, origin) {
  return browser.context.request.post(`${LAB_URL}/api/experiments`, { data: XOR, headers: { Origin: origin } });
}

describe('OIDC login through a real Keycloak', {
  timeout: 300_000,
  skip: KEYCLOAK ? false : 'LAB_KEYCLOAK_URL is not set: no Keycloak for this run (infra/keycloak.sh start, env)',
}, () => {
  after(async () => {
    for (const browser of browsers) await browser.close();
  });

  test('rita (Keycloak group lab-researchers) logs in as a researcher, submits a run, then logs out', async () => {
    const browser = await loginThroughKeycloak('rita');
    const { page } = browser;
    assert.equal(await page.getByTestId('current-user').textContent(), 'rita (researcher)');
    assert.match(page.url(), /#\/new$/, 'the page the deep link named opens after the round trip');
    const cookies = await browser.context.cookies(LAB_URL);
    const session = cookies.find((c) => c.name === 'lab_session');
    assert.ok(session?.httpOnly, 'an ordinary lab session cookie, HttpOnly');
    assert.equal(session.sameSite, 'Strict');
    assert.deepEqual(cookies.filter((c) => c.name.startsWith('q_')).map((c) => c.name), [],
      "quarkus-oidc's own session is ended: only the lab session authenticates");
    // the researcher submits from the form and owns the run
    await page.getByTestId('preset-xor').click();
    await page.getByTestId('field-training.steps').fill('20');
    await screenshot(page, 'oidc-researcher-new-run');
    await page.getByTestId('submit-experiment').click();
    await page.waitForURL(/#\/experiments\/[0-9a-f-]{36}$/);
    const id = page.url().match(/[0-9a-f-]{36}$/)[0];
    assert.equal((await apiGet(`/api/experiments/${id}`)).owner, 'rita');
    // the same CSRF rule as a password login's session: another origin is refused, this one accepted
    const crossSite = await submitWithCookie(browser, 'http://evil.example');
    assert.equal(crossSite.status(), 403, await crossSite.text());
    assert.equal((await crossSite.json()).field, 'Origin');
    assert.equal((await submitWithCookie(browser, LAB_URL)).status(), 202);
    // logout ends the lab session
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    const me = await browser.context.request.get(`${LAB_URL}/api/auth/me`);
    assert.equal((await me.json()).authenticated, false);
    assert.equal((await browser.context.request.get(`${LAB_URL}/api/experiments`)).status(), 401);
  });

  test('vic (Keycloak group staff, mapped to no role) is a viewer: reads, and is refused a submission', async () => {
    const browser = await loginThroughKeycloak('vic');
    const { page } = browser;
    assert.equal(await page.getByTestId('current-user').textContent(), 'vic (viewer)');
    assert.equal((await browser.context.request.get(`${LAB_URL}/api/experiments`)).status(), 200);
    await page.getByTestId('preset-xor').click();
    await page.getByTestId('submit-experiment').click();
    const refusal = page.getByTestId('form-error');
    await refusal.waitFor({ state: 'visible' });
    assert.match(await refusal.textContent(), /vic .*may not do this/);
    await screenshot(page, 'oidc-viewer-refused');
    const direct = await submitWithCookie(browser, LAB_URL);
    assert.equal(direct.status(), 403, await direct.text());
  });

  test('the provisioned accounts: listed as identity-provider logins, their role not editable in the lab, no password', async () => {
    const token = await adminToken();
    const users = await apiGet('/api/users');
    const rita = users.find((u) => u.username === 'rita');
    const vic = users.find((u) => u.username === 'vic');
    assert.deepEqual([rita?.role, rita?.login, vic?.role, vic?.login], ['researcher', 'oidc', 'viewer', 'oidc']);
    const promote = await fetch(`${LAB_URL}/api/users/${vic.id}`, {
      method: 'PATCH', body: JSON.stringify({ role: 'researcher' }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    });
    assert.equal(promote.status, 400);
    assert.equal((await promote.json()).field, 'role');
    const password = await fetch(`${LAB_URL}/api/auth/login`, {
      method: 'POST', body: JSON.stringify({ username: 'rita', password: PASSWORD }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(password.status, 401, 'an identity provider account has no lab password');
  });

  test('a lab admin disables vic: the next login through Keycloak is refused with the reason on the login page', async () => {
    const token = await adminToken();
    const vic = (await apiGet('/api/users')).find((u) => u.username === 'vic');
    const setDisabled = (disabled) => fetch(`${LAB_URL}/api/users/${vic.id}`, {
      method: 'PATCH', body: JSON.stringify({ disabled }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    });
    assert.equal((await setDisabled(true)).status, 200);
    try {
      const { page, context } = await loginThroughKeycloak('vic', { refused: true });
      assert.match(await page.getByTestId('login-error').textContent(), /account 'vic' is disabled/);
      assert.equal(new URL(page.url()).search, '', 'the reason is taken out of the address');
      assert.equal((await context.cookies(LAB_URL)).filter((c) => c.name === 'lab_session').length, 0);
      await screenshot(page, 'oidc-refused');
    } finally {
      assert.equal((await setDisabled(false)).status, 200);
    }
  });
});
