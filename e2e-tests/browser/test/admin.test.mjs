// The admin page against the real stack (no mocked API): faults are made for real on the lab's broker (kafkajs), the
// analysis service dead-letters or fails them, and an admin finds them through the nav link, inspects them, replays
// a dead letter and retries a failed job; a researcher sees no link and the admin API answers 403.
//   - an unsigned checkpoints.published event → refused by the analysis service (no lab-signature) → a dead letter on
//     checkpoints.published.dlq, the list the page shows; the dashboard, the topic's other consumer, refuses it into
//     its own checkpoints.published.dashboard.dlq (read here with a kafkajs consumer), never into the analysis list
//   - a signed checkpoint event for a checkpoint the trainer never wrote → the job FAILED (trainer's 404)
// The event key is the stack's (LAB_EVENTS_KEY, else LAB_SERVICE_TOKEN, else $LAB_HOME/service-token, as
// infra/services.sh makes it); the broker is LAB_KAFKA, else 127.0.0.1:$LAB_KAFKA_PORT.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LAB_URL, apiGet, apiPost, eventually, launch, login, screenshot } from '../lib/lab.mjs';

const BROKER = process.env.LAB_KAFKA || `127.0.0.1:${process.env.LAB_KAFKA_PORT || 29102}`;
const TOPIC = 'checkpoints.published';
const RESEARCHER = { username: `researcher-${randomUUID().slice(0, 8)}`, password: 'a-researcher-password-1' };

function eventKey() {
  if (process.env.LAB_EVENTS_KEY) return process.env.LAB_EVENTS_KEY;
  if (process.env.LAB_SERVICE_TOKEN) return process.env.LAB_SERVICE_TOKEN;
  const file = join(process.env.LAB_HOME || '.lab/test', 'service-token');
  if (!existsSync(file)) throw new Error(`no event key: set LAB_EVENTS_KEY or LAB_HOME (${file} is missing)`);
  return readFileSync(file, 'utf8').trim();
}

/** contracts' EventSignature: hex HMAC-SHA256 of kind + "\n" + payload. */
const sign = (kind, payload) => createHmac('sha256', eventKey()).update(`${kind}\n${payload}`).digest('hex');

let xorSpec;
/** A checkpoint event as the trainer writes it (an XOR model; the experiment is unknown to the dashboard). */
function checkpointEvent(checkpointId) {
  return JSON.stringify({
    checkpointId, experimentId: randomUUID(), step: 0, finalCheckpoint: true, metrics: {},
    spec: xorSpec, at: new Date().toISOString(),
  });
}

let kafka;
let producer;
let browser;
let page;

async function publish(key, value, headers = {}) {
  await producer.send({ topic: TOPIC, messages: [{ key, value, headers }] });
}

async function apiAs(credentials, method, path) {
  const r = await fetch(`${LAB_URL}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: LAB_URL }, body: JSON.stringify(credentials),
  });
  assert.equal(r.status, 200, `login as ${credentials.username}: ${await r.text()}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return fetch(LAB_URL + path, { method, headers: { Cookie: cookie, Origin: LAB_URL } });
}

/** The records keyed {@code key} on a topic, read from its beginning until {@code count} are seen. */
async function keyed(topic, key, count) {
  const consumer = kafka.consumer({ groupId: `browser-tests-${randomUUID()}` });
  const seen = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { if (message.key?.toString() === key) seen.push(message); } });
    await eventually(async () => seen.length >= count, { what: `${count} record(s) keyed ${key} on ${topic}`, timeout: 60_000 });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** The admin page's row of this test's letter (by its Kafka key), reloading the list until it is there. */
async function letterRows(key, count) {
  return eventually(async () => {
    await page.getByTestId('admin-letters').getByRole('button', { name: 'Reload' }).click();
    await page.waitForTimeout(300);
    const rows = page.locator('[data-testid=letter-row]').filter({ hasText: key });
    return (await rows.count()) >= count ? rows : null;
  }, { what: `${count} dead letter(s) keyed ${key} on the admin page`, timeout: 90_000, interval: 1000 });
}

describe('the admin page: dead letters and failed analysis jobs', { timeout: 600_000 }, () => {
  before(async () => {
    kafka = new Kafka({ clientId: 'browser-tests', brokers: [BROKER], logLevel: logLevel.WARN });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    xorSpec = (await apiGet('/api/presets')).find((p) => p.name === 'xor').spec;
    const made = await apiPost('/api/users', { ...RESEARCHER, role: 'researcher' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await producer?.disconnect();
    await browser?.close();
  });

  test('an unsigned checkpoint event is a dead letter with its reason; replayed, it is refused again', async () => {
    const key = `forged-${randomUUID()}`;
    const checkpointId = randomUUID();
    await publish(key, checkpointEvent(checkpointId)); // no lab-signature header: a forgery
    await page.goto(`${LAB_URL}/#/`);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-letters').waitFor();
    assert.match(page.url(), /#\/admin$/);
    // both consumers of checkpoints.published refuse it; the page lists the analysis service's letter only, the
    // dashboard's is on its own dead-letter topic
    const rows = await letterRows(key, 1);
    await page.waitForTimeout(2000);
    await page.getByTestId('admin-letters').getByRole('button', { name: 'Reload' }).click();
    await page.waitForTimeout(300);
    assert.equal(await rows.count(), 1, 'the analysis service\'s letter only');
    const dashboards = await keyed('checkpoints.published.dashboard.dlq', key, 1);
    assert.match(dashboards[0].headers['dead-letter-reason'].toString(), /no lab-signature header/);
    const row = rows.first();
    assert.match(await row.locator('.reason').textContent(), /forged or unsigned checkpoints\.published event refused: no lab-signature header/);
    await row.getByTestId('letter-inspect').click();
    const detail = page.getByTestId('letter-detail');
    await detail.waitFor();
    assert.ok((await detail.textContent()).includes(checkpointId), 'the inspected letter shows the event');
    await screenshot(page, 'admin');
    await row.getByTestId('letter-replay').click();
    await eventually(async () => (await page.getByTestId('letters-note').textContent()).includes('sent back to checkpoints.published'),
      { what: 'the replay confirmed', timeout: 20_000 });
    // the replay crossed the real broker: both consumers read it again, checked it and refused it again
    await letterRows(key, 2);
    await keyed('checkpoints.published.dashboard.dlq', key, 2);
    const jobs = await apiGet('/api/admin/analysis-jobs?limit=1000');
    assert.ok(!jobs.some((j) => j.checkpointId === checkpointId), 'a forged checkpoint never becomes a job');
    assert.deepEqual(browser.problems, []);
  });

  test('a checkpoint the trainer never wrote fails with its reason, and Retry runs it again', async () => {
    const checkpointId = randomUUID();
    const value = checkpointEvent(checkpointId);
    await publish(checkpointId, value, { 'lab-signature': sign(TOPIC, value) });
    const failed = await eventually(async () => {
      const job = await apiGet(`/api/admin/analysis-jobs/${checkpointId}`).catch(() => null);
      return job?.status === 'FAILED' ? job : null;
    }, { what: `the analysis job of ${checkpointId} FAILED`, timeout: 120_000, interval: 1000 });
    assert.match(failed.error, /HTTP 404/);

    await page.goto(`${LAB_URL}/#/`); // (the same hash again would not reload the page)
    await page.getByTestId('nav-admin').click();
    const row = page.locator(`[data-testid=job-row][data-checkpoint="${checkpointId}"]`);
    await row.waitFor();
    assert.equal(await row.locator('td').nth(1).textContent(), 'FAILED');
    assert.match(await row.locator('.reason').textContent(), /the trainer does not know this checkpoint \(HTTP 404\)/);
    await row.getByTestId('job-inspect').click();
    assert.ok((await page.getByTestId('job-detail').textContent()).includes(checkpointId));
    await row.getByTestId('job-retry').click();
    await eventually(async () => (await page.getByTestId('jobs-note').textContent()).includes(`retry of ${checkpointId} queued`),
      { what: 'the retry confirmed', timeout: 20_000 });
    // the worker really ran it again: a later update, and the same honest reason (the file still does not exist)
    const again = await eventually(async () => {
      const job = await apiGet(`/api/admin/analysis-jobs/${checkpointId}`);
      return job.status === 'FAILED' && Date.parse(job.updatedAt) > Date.parse(failed.updatedAt) ? job : null;
    }, { what: 'the retried job ran and failed again', timeout: 120_000, interval: 1000 });
    assert.equal(again.attempts, 1, 'a retry starts the attempts afresh');
    assert.match(again.error, /HTTP 404/);
    assert.deepEqual(browser.problems, []);
  });

  test('a researcher sees no admin link, the page refuses, and the admin API answers 403', async () => {
    const other = await launch({ loginAs: RESEARCHER });
    try {
      await other.page.goto(`${LAB_URL}/#/`);
      await other.page.getByTestId('current-user').waitFor();
      assert.equal(await other.page.getByTestId('current-user').textContent(), `${RESEARCHER.username} (researcher)`);
      assert.equal(await other.page.getByTestId('nav-admin').count(), 0, 'no admin link for a researcher');
      await other.page.goto(`${LAB_URL}/#/admin`);
      await other.page.getByTestId('admin-only').waitFor();
      assert.equal(await other.page.getByTestId('admin-letters').count(), 0);
    } finally {
      await other.close();
    }
    for (const [method, path] of [['GET', '/api/admin/dead-letters'], ['GET', '/api/admin/analysis-jobs'],
      ['POST', '/api/admin/dead-letters/0/0/replay'], ['POST', `/api/admin/analysis-jobs/${randomUUID()}/retry`]]) {
      const r = await apiAs(RESEARCHER, method, path);
      assert.equal(r.status, 403, `${method} ${path} as a researcher`);
      assert.ok((await r.json()).error, 'a JSON error body');
    }
    const anonymous = await fetch(`${LAB_URL}/api/admin/dead-letters`);
    assert.equal(anonymous.status, 401);
    assert.equal(await page.getByTestId('nav-admin').count(), 1, 'the admin still has the link');
  });
});
