// #/admin (admins only): the analysis queue's failed jobs and the dead-letter topic — listed, inspected (the whole
// job or event, with its reason), retried or replayed through the dashboard's admin API (/api/admin/...).
import { api } from '../api';
import { Lifetime, el, showError } from '../util';
import { me } from './account';

interface AnalysisJob { checkpointId: string; event: string; status: string; attempts: number;
  nextAttemptAt: string | null; error: string | null; createdAt: string; updatedAt: string }
interface DeadLetter { partition: number; offset: number; timestamp: number; key: string | null; value: string;
  headers: Record<string, string | null> }

const JOB_STATUSES = ['FAILED', 'PENDING', 'RUNNING', 'DONE', ''];

/** Pretty JSON when the text is JSON, else the text itself (always shown as text, never as markup). */
function pretty(text: string | null): string {
  if (text == null) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

function inspectRow(cols: number, content: string, testid: string): HTMLTableRowElement {
  return el('tr', { class: 'inspect', 'data-testid': testid },
    el('td', { colspan: cols }, el('pre', { text: content })));
}

export async function adminPage(root: HTMLElement, life: Lifetime) {
  if (me?.role !== 'admin') {
    root.append(el('p', { class: 'error', 'data-testid': 'admin-only', text: 'This page is for admins only.' }));
    return;
  }
  root.append(await jobsCard(life), await lettersCard(life));
}

async function jobsCard(life: Lifetime): Promise<HTMLElement> {
  const body = el('tbody');
  const note = el('p', { 'data-testid': 'jobs-note' });
  const status = el('select', { 'data-testid': 'jobs-status' },
    ...JOB_STATUSES.map((s) => el('option', { value: s, text: s || 'all' })));
  const load = async () => {
    const q = status.value ? `?status=${status.value}` : '';
    const jobs = await api<AnalysisJob[]>(`/api/admin/analysis-jobs${q}`);
    if (!life.alive) return;
    note.textContent = `${jobs.length} job(s)${status.value ? ' ' + status.value : ''}`;
    body.replaceChildren(...jobs.map((j) => {
      const row = el('tr', { 'data-testid': 'job-row', 'data-checkpoint': j.checkpointId },
        el('td', {}, el('a', { href: `#/checkpoints/${j.checkpointId}`, text: j.checkpointId.slice(0, 8) + '…' })),
        el('td', { text: j.status }), el('td', { text: j.attempts }),
        el('td', { class: 'reason', text: j.error ?? '' }), el('td', { text: j.updatedAt }),
        el('td', {},
          el('button', { type: 'button', text: 'Inspect', 'data-testid': 'job-inspect', onclick: () => {
            const open = row.nextElementSibling?.classList.contains('inspect');
            if (open) row.nextElementSibling!.remove();
            else row.after(inspectRow(6, JSON.stringify({ ...j, event: JSON.parse(j.event || 'null') }, null, 2),
              'job-detail'));
          } }), ' ',
          el('button', { type: 'button', text: 'Retry', 'data-testid': 'job-retry',
            disabled: j.status === 'RUNNING' || j.status === 'PENDING', onclick: async () => {
              try {
                await api(`/api/admin/analysis-jobs/${j.checkpointId}/retry`, { method: 'POST' });
                await load();
                // after the reload, which rewrites the count line: the confirmation stays visible
                note.textContent = `retry of ${j.checkpointId} queued`;
              } catch (e) { showError((e as Error).message); }
            } })));
      return row;
    }));
  };
  status.addEventListener('change', () => { load().catch((e) => showError(String(e))); });
  const card = el('section', { class: 'card', 'data-testid': 'admin-jobs' },
    el('h2', { text: 'Analysis jobs' }),
    el('p', { text: 'A job that failed (the checkpoint is unknown to the trainer, or its file cannot be read) '
      + 'keeps its reason; Retry runs it again.' }),
    el('div', {}, 'Status ', status, ' ',
      el('button', { type: 'button', text: 'Reload', onclick: () => { load().catch((e) => showError(String(e))); } })),
    note,
    el('table', {}, el('thead', {}, el('tr', {}, ...['Checkpoint', 'Status', 'Attempts', 'Reason', 'Updated', '']
      .map((h) => el('th', { text: h })))), body));
  try { await load(); } catch (e) { showError((e as Error).message); }
  return card;
}

async function lettersCard(life: Lifetime): Promise<HTMLElement> {
  const body = el('tbody');
  const note = el('p', { 'data-testid': 'letters-note' });
  const load = async () => {
    const letters = await api<DeadLetter[]>('/api/admin/dead-letters');
    if (!life.alive) return;
    note.textContent = `${letters.length} dead letter(s) on checkpoints.published.dlq, newest first`;
    body.replaceChildren(...letters.map((d) => {
      const row = el('tr', { 'data-testid': 'letter-row', 'data-offset': `${d.partition}/${d.offset}` },
        el('td', { text: `${d.partition}/${d.offset}` }), el('td', { text: new Date(d.timestamp).toISOString() }),
        el('td', { text: d.key ?? '' }),
        el('td', { class: 'reason', text: d.headers['dead-letter-reason'] ?? '' }),
        el('td', {},
          el('button', { type: 'button', text: 'Inspect', 'data-testid': 'letter-inspect', onclick: () => {
            const open = row.nextElementSibling?.classList.contains('inspect');
            if (open) row.nextElementSibling!.remove();
            else row.after(inspectRow(5, pretty(d.value) + '\n\n' + JSON.stringify(d.headers, null, 2),
              'letter-detail'));
          } }), ' ',
          el('button', { type: 'button', text: 'Replay', 'data-testid': 'letter-replay', onclick: async () => {
            try {
              await api(`/api/admin/dead-letters/${d.partition}/${d.offset}/replay`, { method: 'POST' });
              note.textContent = `letter ${d.partition}/${d.offset} sent back to checkpoints.published`;
            } catch (e) { showError((e as Error).message); }
          } })));
      return row;
    }));
  };
  const card = el('section', { class: 'card', 'data-testid': 'admin-letters' },
    el('h2', { text: 'Dead letters' }),
    el('p', { text: 'Events a consumer could not read or did not trust (a forged or unsigned event), with the '
      + 'reason. Replay sends one back to its topic with its original headers.' }),
    el('div', {}, el('button', { type: 'button', text: 'Reload',
      onclick: () => { load().catch((e) => showError(String(e))); } })),
    note,
    el('table', {}, el('thead', {}, el('tr', {}, ...['Partition/offset', 'Dead-lettered', 'Key', 'Reason', '']
      .map((h) => el('th', { text: h })))), body));
  try { await load(); } catch (e) { showError((e as Error).message); }
  return card;
}
