// #/checkpoints/{id}: every circuit table of one checkpoint, grouped by kind, each loaded when scrolled into view.
import { AnalysisIndex, CheckpointView, CircuitTable, ExperimentDetail, TableEntry, api, tableUrl } from '../api';
import { attentionGrid } from '../plots/attentionGrid';
import { Lifetime, download, el, showError } from '../util';
import { PATTERN_KINDS, tableCard } from './tableCard';
import { scanStatus } from './neurons';
import { ScaleGroup } from '../plots/scaleGroup';
import { toyModelCard } from './toyModels';

export async function analysisPage(root: HTMLElement, checkpointId: string, params: URLSearchParams, life: Lifetime) {
  let index: AnalysisIndex;
  try {
    index = await api<AnalysisIndex>(`/api/checkpoints/${checkpointId}/analysis`);
  } catch (e) {
    showError(`No analysis for checkpoint ${checkpointId} (yet): ${(e as Error).message}`);
    return;
  }
  const heading = el('h2', { 'data-testid': 'analysis-title', text: `Circuit tables of checkpoint ${checkpointId.slice(0, 8)}` });
  const meta = el('p', { class: 'meta' }, `${index.tablesOk} tables`, index.tablesFailed ? `, ${index.tablesFailed} failed` : '');
  root.append(el('section', { 'data-testid': 'analysis-view' }, heading, meta));
  if (index.tables.some((t) => t.kind.startsWith('QK.'))) root.append(neuroscopePanel(checkpointId, life));
  if (index.experimentId) {
    try {
      const [x, checkpoints] = await Promise.all([
        api<ExperimentDetail>(`/api/experiments/${index.experimentId}`),
        api<CheckpointView[]>(`/api/experiments/${index.experimentId}/checkpoints`)]);
      const c = checkpoints.find((k) => k.checkpointId === checkpointId);
      heading.textContent = `${x.name} · step ${c ? c.step : '?'}${c?.finalCheckpoint ? ' (final)' : ''}`;
      const i = checkpoints.findIndex((k) => k.checkpointId === checkpointId);
      const step = (k: CheckpointView | undefined, text: string) => k ? el('a', { href: `#/checkpoints/${k.checkpointId}`, text }) : null;
      meta.prepend(el('a', { href: `#/experiments/${x.id}`, 'data-testid': 'experiment-link', text: x.name }), ' · ',
        step(checkpoints[i - 1], '← previous checkpoint') ?? '', ' ', step(checkpoints[i + 1], 'next checkpoint →') ?? '', ' · ');
    } catch { /* an uploaded model has no experiment */ }
  }
  const kinds = [...new Set(index.tables.map((t) => t.kind))];
  const chosen = new Set(params.get('kinds')?.split(',').filter(Boolean) ?? []);
  const chips = el('div', { class: 'chips', 'data-testid': 'kind-filter' }, ...kinds.map((k) => {
    const chip = el('button', { type: 'button', class: `chip${chosen.has(k) ? ' on' : ''}`, 'data-kind': k, text: k });
    chip.addEventListener('click', () => {
      chip.classList.toggle('on');
      const on = [...chips.querySelectorAll<HTMLElement>('.chip.on')].map((c) => c.dataset.kind!);
      grid.querySelectorAll<HTMLElement>('[data-kind]').forEach((card) => { card.hidden = on.length > 0 && !on.includes(card.dataset.kind!); });
    });
    return chip;
  }));
  const exportAll = el('button', { type: 'button', class: 'small', 'data-testid': 'export-index', text: 'index JSON' });
  exportAll.addEventListener('click', () => download(`analysis-${checkpointId}.json`, new Blob([JSON.stringify(index, null, 2)], { type: 'application/json' })));
  // one colour scale per kind across instances and heads (WtW.I0 … I9, EQKE of every head), so colours compare
  const scales = new ScaleGroup();
  const shared = el('input', { type: 'checkbox', 'data-testid': 'shared-scale' });
  shared.addEventListener('change', () => scales.setShared(shared.checked));
  const sharedLabel = el('label', { class: 'small', title: 'one colour scale for all tables of a kind (instances, heads)' },
    shared, ' one colour scale per kind');
  root.append(el('div', { class: 'toolbar' }, chips, sharedLabel, exportAll));
  const grid = el('div', { class: 'cards', 'data-testid': 'analysis-tables' });
  root.append(grid);

  const toy = toyModelCard(checkpointId, index);
  if (toy) grid.append(toy);
  const patterns = index.tables.filter((t) => PATTERN_KINDS.has(t.kind) && !t.error);
  if (patterns.length) grid.append(patternCard(checkpointId, patterns));
  for (const entry of index.tables) {
    if (PATTERN_KINDS.has(entry.kind) && !entry.error) continue;
    const card = tableCard(checkpointId, entry, { lazy: true, index: index.tables, scales });
    if (chosen.size && !chosen.has(entry.kind)) card.hidden = true;
    grid.append(card);
  }
  const focus = params.get('table');
  if (focus) grid.querySelector(`[data-table="${CSS.escape(focus)}"]`)?.scrollIntoView();
}

/**
 * All attention-pattern tables of a checkpoint in one card, as CircuitsVis draws them: per prompt (test sequence
 * S{k}) one grid of every head, each thumbnail labelled by prompt and head, a colour per head and a 0–1 legend.
 */
function patternCard(checkpointId: string, entries: TableEntry[]): HTMLElement {
  const body = el('div', {}, el('p', { class: 'muted', text: 'loading …' }));
  const card = el('section', { class: 'table-card wide', 'data-testid': 'table-hook_pattern', 'data-kind': entries[0].kind },
    el('header', {}, el('h4', { text: 'Attention patterns (hook_pattern)' }),
      el('a', { class: 'small', href: `#/models/${checkpointId}/prompt`, 'data-testid': 'prompt-lab-link', text: 'try your own input in the prompt lab' })), body);
  Promise.all(entries.map((e) => api<CircuitTable>(tableUrl(checkpointId, e.name)))).then((tables) => {
    const prompts = new Map<string, CircuitTable[]>();
    for (const t of tables) {
      const sample = t.name.match(/\.S(\d+)\./)?.[1] ?? '';
      prompts.set(sample, [...(prompts.get(sample) ?? []), t]);
    }
    body.replaceChildren(...[...prompts].map(([sample, heads]) => {
      const tokens = heads[0].rowLabels.map((l) => l.replace(/^\d+:/, ''));
      const text = tokens.join(tokens.every((x) => x.length === 1) ? '' : ' ');
      return el('div', { class: 'prompt-patterns', 'data-testid': `patterns-S${sample}` },
        el('h4', { text: `${sample ? `test sequence ${sample}: ` : ''}${text}` }),
        attentionGrid(text, tokens, heads.map((h) => ({ name: h.name.replace(/^.*\./, ''), pattern: h.values }))));
    }));
  }).catch((e) => body.replaceChildren(el('p', { class: 'error', text: String(e) })));
  return card;
}

/** A language model's Neuroscope: its scan's progress, or a button to request one (imports are scanned on request). */
function neuroscopePanel(checkpointId: string, life: Lifetime): HTMLElement {
  const status = el('p', { class: 'meta', 'data-testid': 'scan-status' });
  const link = el('a', { href: `#/models/${checkpointId}/neurons`, 'data-testid': 'neuroscope-link', text: 'Neuroscope: every MLP neuron' });
  scanStatus(status, `/api/models/${checkpointId}`, life, () => { link.textContent = 'Neuroscope: every MLP neuron (scanned)'; });
  return el('section', { 'data-testid': 'neuroscope-panel' }, el('h3', {}, link), status,
    el('p', { class: 'muted', text: 'QK and OV of each head over the whole vocabulary are summarised from their factors '
      + '(singular values, top token pairs, copying tokens) — never a d_vocab × d_vocab matrix.' }));
}
