// #/corpora : the team's corpora (trainer-owned, proxied under /api/corpora): counts, tokenizing progress, sample
// stories, and an upload form for TinyStories-format .txt or .jsonl files.
import { api, postJson } from '../api';
import { Lifetime, el, showError, statusBadge } from '../util';

const POLL_MS = 2000;

export interface Corpus {
  id: string; name: string; status: 'QUEUED' | 'TOKENIZING' | 'READY' | 'FAILED'; progress: number;
  sourceKind: string; stories: number | null; tokens: number | null; trainTokens: number | null;
  validationTokens: number | null; samples: string[]; error: string | null; createdAt: string;
}

const count = (n: number | null) => (n == null ? '' : n.toLocaleString());

export function corporaPage(root: HTMLElement, life: Lifetime) {
  const tbody = el('tbody');
  const samples = el('section', { 'data-testid': 'corpus-samples' });
  const file = el('input', { type: 'file', accept: '.txt,.jsonl', 'data-testid': 'corpus-file' });
  const name = el('input', { type: 'text', placeholder: 'name (optional)', 'data-testid': 'corpus-name' });
  const upload = el('button', { type: 'submit', 'data-testid': 'corpus-upload', text: 'Upload' });
  const path = el('input', { type: 'text', placeholder: '/data/TinyStories-valid.txt', 'data-testid': 'corpus-path' });
  const addPath = el('button', { type: 'button', 'data-testid': 'corpus-add-path', text: 'Add from server path' });
  const status = el('p', { class: 'muted', 'data-testid': 'corpus-upload-status' });
  let shown: string | null = null;

  const form = el('form', { class: 'filters', 'data-testid': 'corpus-upload-form' },
    el('label', {}, 'file (.txt stories separated by <|endoftext|>, or .jsonl) ', file), name, upload);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!file.files || file.files.length === 0) { showError('Choose a .txt or .jsonl file first.'); return; }
    const body = new FormData();
    body.append('file', file.files[0]);
    if (name.value.trim()) body.append('name', name.value.trim());
    status.textContent = 'uploading…';
    try {
      const c = await api<Corpus>('/api/corpora', { method: 'POST', body });
      status.textContent = `added ${c.id}; tokenizing…`;
      showError(null);
      refresh();
    } catch (e) {
      status.textContent = '';
      showError('Upload refused: ' + (e as Error).message);
    }
  });
  addPath.addEventListener('click', async () => {
    try {
      const c = await postJson<Corpus>('/api/corpora', { name: name.value.trim() || null, path: path.value.trim() });
      status.textContent = `added ${c.id}; tokenizing…`;
      showError(null);
      refresh();
    } catch (e) {
      showError('Path refused: ' + (e as Error).message);
    }
  });

  root.append(el('section', { 'data-testid': 'corpora-view' },
    el('h2', { text: 'Corpora' }),
    el('p', { class: 'muted', text: 'Text corpora for language models, tokenized with GPT-2 BPE and split into train and '
      + 'validation by story. Shared by the team; a model picks one with task.corpus.' }),
    el('table', { class: 'list', 'data-testid': 'corpora-table' },
      el('thead', {}, el('tr', {}, ...['id', 'name', 'status', 'stories', 'tokens', 'train', 'validation', 'source']
        .map((h) => el('th', { text: h })))),
      tbody),
    el('h3', { text: 'Add a corpus' }), form, el('div', { class: 'filters' }, path, addPath), status,
    samples));

  async function refresh() {
    let list: Corpus[];
    try {
      list = await api<Corpus[]>('/api/corpora');
    } catch (e) {
      showError('Cannot list corpora: ' + (e as Error).message);
      return;
    }
    if (!life.alive) return;
    tbody.replaceChildren(...list.map(row));
    const current = list.find((c) => c.id === shown) ?? list.find((c) => c.samples && c.samples.length > 0);
    if (current) showSamples(current);
  }

  function row(c: Corpus) {
    const state = c.status === 'TOKENIZING' ? `${Math.round(c.progress * 100)} %` : c.status === 'FAILED' ? (c.error ?? '') : '';
    const link = el('a', { href: '#/corpora', 'data-testid': 'corpus-link', text: c.id });
    link.addEventListener('click', (ev) => { ev.preventDefault(); shown = c.id; showSamples(c); });
    return el('tr', { 'data-testid': 'corpus-row', 'data-id': c.id, 'data-status': c.status },
      el('td', {}, link),
      el('td', { text: c.name }),
      el('td', {}, statusBadge(c.status), ' ', el('span', { class: 'muted', 'data-testid': 'corpus-progress', text: state })),
      el('td', { class: 'num', 'data-testid': 'corpus-stories', text: count(c.stories) }),
      el('td', { class: 'num', 'data-testid': 'corpus-tokens', text: count(c.tokens) }),
      el('td', { class: 'num', text: count(c.trainTokens) }),
      el('td', { class: 'num', text: count(c.validationTokens) }),
      el('td', { class: 'muted', text: c.sourceKind }));
  }

  function showSamples(c: Corpus) {
    samples.replaceChildren(el('h3', { text: `Sample stories of ${c.name}` }),
      ...(c.samples ?? []).map((s) => el('pre', { class: 'sample-story', 'data-testid': 'corpus-sample', text: s })));
  }

  refresh();
  life.interval(refresh, POLL_MS);
}
