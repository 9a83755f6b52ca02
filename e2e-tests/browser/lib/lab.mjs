// Shared setup of the browser tests: Debian's chromium driven by playwright-core (no browser downloads), the lab's
// base URL, screenshots into docs/screenshots/, and small API helpers to check what the page shows.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_URL = (process.env.LAB_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// the stack's first admin (./lab test exports LAB_ADMIN_PASSWORD)
export const ADMIN = { username: 'admin', password: process.env.LAB_ADMIN_PASSWORD || 'lab-test-admin-pw' };
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOTS = join(repo, 'docs', 'screenshots');

/** Logs the browser context in through the API (the session cookie lands in the context's cookie jar). */
export async function login(context, { username, password }) {
  const r = await context.request.post(`${LAB_URL}/api/auth/login`, {
    data: { username, password }, headers: { Origin: LAB_URL },
  });
  if (!r.ok()) throw new Error(`login as ${username}: HTTP ${r.status()} ${await r.text()}`);
}

/** A chromium with a fresh profile, logged in as the admin unless { loginAs: null }. */
export async function launch({ loginAs = ADMIN } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'interplab-chromium-'));
  // launchPersistentContext is the only way to give chromium a fresh --user-data-dir of our own
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? await context.newPage();
  if (loginAs) await login(context, loginAs);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  return {
    context, page, problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

let token;
/** The admin's API token for the helpers below, created once: log in, then POST /api/auth/tokens. */
export async function adminToken() {
  if (token) return token;
  const login = await fetch(`${LAB_URL}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ADMIN),
  });
  if (!login.ok) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const created = await fetch(`${LAB_URL}/api/auth/tokens`, {
    method: 'POST', body: JSON.stringify({ name: 'browser-tests' }),
    headers: { 'Content-Type': 'application/json', Cookie: cookie, Origin: LAB_URL },
  });
  if (created.status !== 201) throw new Error(`token: HTTP ${created.status} ${await created.text()}`);
  token = (await created.json()).token;
  return token;
}

export async function apiGet(path) {
  const response = await fetch(LAB_URL + path, { headers: { Authorization: `Bearer ${await adminToken()}` } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export async function apiPost(path, body) {
  const response = await fetch(LAB_URL + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await adminToken()}` },
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Polls fn until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeout = 120_000, interval = 500, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
}

/** Uploads a safetensors model with its spec through POST /api/checkpoints as the admin; the 202 answer's body. */
export async function uploadModel(bytes, spec, filename = 'model.safetensors') {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), filename);
  form.append('spec', JSON.stringify(spec));
  const response = await fetch(`${LAB_URL}/api/checkpoints`, {
    method: 'POST', body: form, headers: { Authorization: `Bearer ${await adminToken()}` },
  });
  const body = await response.json();
  if (response.status !== 202) throw new Error(`upload: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}
