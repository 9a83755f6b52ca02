// #/models/{checkpointId}/prompt?input=…&position=…&target=…&ablate=L0H1:zero,…&patch=…: the prompt lab. One input
// through a transformer checkpoint: logits, every head's attention pattern, the direct logit attribution of the
// target token, and heads ablated (zero / mean) or patched from another input with the change in the target logit.
// The page state is the URL: every control rewrites the hash, and the page renders from the hash alone.
import { api } from '../api';
import { attentionGrid } from '../plots/attentionGrid';
import { divergingCss } from '../plots/colour';
import { Lifetime, el, fmt, showError } from '../util';

interface TokenLogit { token: number; label: string; logit: number; prob: number }
interface PositionLogits { position: number; top: TokenLogit[] }
interface Readout { logit: number; prob: number; rank: number }
interface Attribution { name: string; kind: string; layer: number; head: number; value: number }
interface Intervention { name: string; layer: number; head: number; mode: string }
export interface PromptView {
  checkpointId: string;
  model: { task: string; nLayers: number; nHeads: number; dHead: number; dModel: number; nCtx: number; dVocab: number;
    dVocabOut: number; attnOnly: boolean; layerNorm: boolean };
  input: string; tokens: number[]; tokenLabels: string[]; outputLabels: string[]; position: number; targetToken: number;
  targetLabel: string; targetSource: string; target: Readout; logits: PositionLogits[];
  patterns: { name: string; layer: number; head: number; pattern: number[][] }[];
  attribution: Attribution[]; attributionConstant: number; attributionNote: string; patchInput: string | null;
  intervened: { interventions: Intervention[]; target: Readout; deltaLogit: number; deltaProb: number;
    logits: PositionLogits[]; meanReference: string | null } | null;
  examples: string[]; millis: number;
}

const PARAMS = ['input', 'tokens', 'position', 'target', 'ablate', 'patch', 'patchTokens', 'top', 'head'];
export const promptHref = (checkpointId: string, state: Record<string, string | null | undefined> = {}) => {
  const q = new URLSearchParams();
  for (const k of PARAMS) if (state[k]) q.set(k, state[k]!);
  const s = q.toString();
  return `#/models/${checkpointId}/prompt${s ? '?' + s : ''}`;
};

export async function promptLabPage(root: HTMLElement, checkpointId: string, params: URLSearchParams, _life: Lifetime) {
  const state: Record<string, string | null> = {};
  for (const k of PARAMS) state[k] = params.get(k);
  const go = (change: Record<string, string | null>) => { location.hash = promptHref(checkpointId, { ...state, ...change }); };
  const apiQuery = new URLSearchParams();
  for (const k of PARAMS) if (k !== 'head' && state[k]) apiQuery.set(k, state[k]!);
  const apiUrl = `/api/models/${checkpointId}/prompt${apiQuery.toString() ? '?' + apiQuery : ''}`;

  const heading = el('h2', { 'data-testid': 'prompt-title', text: `Prompt lab · model ${checkpointId.slice(0, 8)}` });
  root.append(heading, el('p', { class: 'meta' },
    el('a', { href: `#/checkpoints/${checkpointId}`, text: 'circuit tables of this model' }), ' · ',
    el('a', { href: apiUrl, 'data-testid': 'prompt-api-link', text: 'this run as JSON' })));
  let v: PromptView;
  try {
    v = await api<PromptView>(apiUrl);
  } catch (e) {
    showError(`Prompt lab: ${(e as Error).message}`);
    root.append(inputForm(null, state, go));
    return;
  }
  heading.textContent = `Prompt lab · ${v.model.task} model ${checkpointId.slice(0, 8)}`;
  root.append(
    el('p', { class: 'meta', 'data-testid': 'model-summary', text: `${v.model.nLayers} layer(s) × ${v.model.nHeads} heads (d_head ${v.model.dHead}), d_model ${v.model.dModel}, `
      + `${v.model.attnOnly ? 'attention-only' : 'with MLPs'}, ${v.model.layerNorm ? 'LayerNorm' : 'no LayerNorm'}; ran in ${fmt(v.millis, 3)} ms` }),
    inputForm(v, state, go),
    tokenStrip(v, go),
    readoutPanel(v),
    el('div', { class: 'prompt-cols' }, headsPanel(v, state, go), logitsPanel(v, go)),
    attributionPanel(v),
    el('section', { class: 'table-card wide', 'data-testid': 'patterns-card' },
      el('header', {}, el('h4', { text: 'Attention patterns of every head (clean run)' })),
      attentionGrid(v.input, v.tokenLabels, v.patterns, Math.max(0, v.patterns.findIndex((p) => p.name === state.head)))));
}

function inputForm(v: PromptView | null, state: Record<string, string | null>, go: (c: Record<string, string | null>) => void) {
  const input = el('input', { type: 'text', 'data-testid': 'prompt-input', size: 60, value: v ? v.input : state.input ?? '', 'aria-label': 'input' });
  const patch = el('input', { type: 'text', 'data-testid': 'patch-input', size: 40, value: v?.patchInput ?? state.patch ?? '', placeholder: 'input to patch heads from', 'aria-label': 'patch input' });
  const run = el('button', { type: 'submit', class: 'primary', 'data-testid': 'prompt-run', text: 'Run' });
  const form = el('form', { class: 'prompt-form', 'data-testid': 'prompt-form' },
    el('label', {}, 'input ', input), ' ', run, ' ',
    el('label', {}, 'patch from ', patch));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const same = v && input.value === v.input;
    go({ input: input.value || null, tokens: null, position: same ? state.position : null, target: same ? state.target : null,
      patch: patch.value || null, patchTokens: null });
  });
  const examples = v?.examples ?? [];
  const chips = examples.length ? el('div', { class: 'chips', 'data-testid': 'examples' }, el('span', { class: 'muted small', text: 'examples:' }),
    ...examples.map((x) => el('button', { type: 'button', class: 'chip', text: x, onclick: (() => go({ input: x, tokens: null, position: null, target: null })) as EventListener }))) : null;
  return el('section', {}, form, chips);
}

function tokenStrip(v: PromptView, go: (c: Record<string, string | null>) => void) {
  return el('div', { class: 'prompt-tokens', 'data-testid': 'prompt-tokens' }, el('span', { class: 'muted small', text: 'position (click to read there): ' }),
    ...v.tokenLabels.map((t, p) => el('button', {
      type: 'button', class: `prompt-token${p === v.position ? ' on' : ''}`, 'data-position': p, title: `position ${p}, token id ${v.tokens[p]}`,
      onclick: (() => go({ position: String(p), target: null })) as EventListener,
    }, el('sub', { text: String(p) }), t.replace(/\n/g, '↵'))));
}

function readoutPanel(v: PromptView) {
  const t = v.target;
  const rows: (HTMLElement | string)[] = [
    el('div', { 'data-testid': 'target-readout', 'data-logit': String(t.logit), 'data-token': String(v.targetToken) },
      `Target `, el('strong', { text: JSON.stringify(v.targetLabel) }), ` (id ${v.targetToken}, ${v.targetSource}) at position ${v.position}: `,
      `logit ${fmt(t.logit, 5)} · p ${fmt(t.prob, 4)} · rank ${t.rank}`)];
  if (v.intervened) {
    const i = v.intervened;
    rows.push(el('div', { 'data-testid': 'intervened-readout', 'data-logit': String(i.target.logit) },
      `With ${i.interventions.map((x) => `${x.name} ${x.mode}`).join(', ')}: logit ${fmt(i.target.logit, 5)} · p ${fmt(i.target.prob, 4)} · rank ${i.target.rank} · `,
      el('strong', { class: 'delta', 'data-testid': 'target-delta', 'data-delta': String(i.deltaLogit), text: `Δ logit ${i.deltaLogit >= 0 ? '+' : ''}${fmt(i.deltaLogit, 5)}` }),
      ` (Δ p ${fmt(i.deltaProb, 3)})`));
    if (i.meanReference) rows.push(el('div', { class: 'muted small', text: `mean: ${i.meanReference}` }));
  }
  return el('section', { class: 'prompt-readout' }, ...rows);
}

function headsPanel(v: PromptView, state: Record<string, string | null>, go: (c: Record<string, string | null>) => void) {
  const current = new Map<string, string>((state.ablate ?? '').split(',').filter(Boolean).map((s) => {
    const [h, m] = s.split(':'); return [h.trim(), (m ?? '').trim()] as [string, string];
  }));
  const dla = new Map(v.attribution.filter((a) => a.kind === 'head').map((a) => [a.name, a.value]));
  const maxAbs = Math.max(1e-9, ...[...dla.values()].map(Math.abs));
  const setMode = (head: string, mode: string) => {
    if (mode) current.set(head, mode); else current.delete(head);
    go({ ablate: [...current].map(([h, m]) => `${h}:${m}`).join(',') || null });
  };
  const table = el('table', { class: 'numbers prompt-heads', 'data-testid': 'heads-table' },
    el('thead', {}, el('tr', {}, el('th', { text: 'head' }), el('th', { text: 'DLA on target' }), el('th', { text: 'intervention' }))));
  const body = el('tbody');
  for (let l = 0; l < v.model.nLayers; l++) {
    for (let h = 0; h < v.model.nHeads; h++) {
      const name = `L${l}H${h}`;
      const value = dla.get(name) ?? 0;
      const select = el('select', { 'data-testid': `ablate-${name}`, 'aria-label': `intervention on ${name}` },
        ...['', 'zero', 'mean', 'patch'].map((m) => el('option', { value: m, text: m || '—' })));
      select.value = current.get(name) ?? '';
      select.addEventListener('change', () => setMode(name, select.value));
      const cell = el('td', { class: 'num', 'data-testid': `dla-${name}`, 'data-value': String(value), text: fmt(value, 4) });
      cell.style.background = divergingCss(value, maxAbs);
      body.append(el('tr', { 'data-head': name }, el('th', {}, el('a', { href: promptHref(v.checkpointId, { ...state, head: name }), text: name })), cell, el('td', {}, select)));
    }
  }
  table.append(body);
  const clear = el('button', { type: 'button', class: 'small', 'data-testid': 'clear-ablations', text: 'clear all', onclick: (() => go({ ablate: null })) as EventListener });
  return el('section', { class: 'table-card' }, el('header', {}, el('h4', { text: 'Heads: attribution and interventions' }), clear),
    el('p', { class: 'description', text: 'zero: the head writes nothing (hook_z = 0); mean: its mean hook_z per position over the task\'s test set (a language model: the first tokens of its corpus\'s validation stories); patch: its hook_z on the patch input. b_O stays.' }),
    table);
}

function logitsPanel(v: PromptView, go: (c: Record<string, string | null>) => void) {
  const clean = v.logits[v.position]?.top ?? [];
  const after = v.intervened?.logits[v.position]?.top ?? null;
  const table = el('table', { class: 'numbers', 'data-testid': 'logits-table' },
    el('thead', {}, el('tr', {}, el('th', { text: 'token' }), el('th', { text: 'logit' }), el('th', { text: 'p' }),
      ...(after ? [el('th', { text: 'ablated: token' }), el('th', { text: 'logit' }), el('th', { text: 'p' })] : []))));
  const body = el('tbody');
  clean.forEach((c, i) => {
    const a = after?.[i];
    const tokenCell = el('td', {}, el('a', { href: '#', class: c.token === v.targetToken ? 'target' : '', text: JSON.stringify(c.label), title: 'make this the target',
      onclick: ((e: Event) => { e.preventDefault(); go({ target: String(c.token) }); }) as EventListener }));
    body.append(el('tr', { 'data-token': c.token, 'data-logit': String(c.logit) }, tokenCell, el('td', { class: 'num', text: fmt(c.logit, 4) }), el('td', { class: 'num', text: fmt(c.prob, 3) }),
      ...(a ? [el('td', { text: JSON.stringify(a.label) }), el('td', { class: 'num', text: fmt(a.logit, 4) }), el('td', { class: 'num', text: fmt(a.prob, 3) })] : [])));
  });
  table.append(body);
  const targetSelect = v.outputLabels.length ? el('select', { 'data-testid': 'target-select', 'aria-label': 'target token' },
    ...v.outputLabels.map((label, o) => el('option', { value: String(o), text: `${o}: ${label}` }))) : null;
  if (targetSelect) {
    targetSelect.value = String(v.targetToken);
    targetSelect.addEventListener('change', () => go({ target: targetSelect.value }));
  }
  const top1 = el('div', { class: 'prompt-top1 small', 'data-testid': 'top1-per-position' }, el('span', { class: 'muted', text: 'top-1 at each position: ' }),
    ...v.logits.map((p) => el('span', { class: 'prompt-top1-cell', title: `position ${p.position}: logit ${fmt(p.top[0]?.logit, 4)}` },
      el('sub', { text: String(p.position) }), JSON.stringify(p.top[0]?.label ?? ''))));
  return el('section', { class: 'table-card' }, el('header', {}, el('h4', { text: `Logits at position ${v.position}` }),
    targetSelect ? el('label', { class: 'small' }, 'target ', targetSelect) : null), table, top1);
}

function attributionPanel(v: PromptView) {
  const maxAbs = Math.max(1e-9, ...v.attribution.map((a) => Math.abs(a.value)));
  const sum = v.attribution.reduce((s, a) => s + a.value, 0);
  const rows = v.attribution.map((a) => {
    const bar = el('div', { class: 'dla-bar' });
    bar.style.width = `${(50 * Math.abs(a.value)) / maxAbs}%`;
    bar.style.marginLeft = a.value >= 0 ? '50%' : `${50 - (50 * Math.abs(a.value)) / maxAbs}%`;
    bar.style.background = divergingCss(a.value >= 0 ? maxAbs : -maxAbs, maxAbs);
    return el('div', { class: 'dla-row', 'data-component': a.name, 'data-value': String(a.value) },
      el('span', { class: 'dla-name', text: a.name }), el('div', { class: 'dla-track' }, bar), el('span', { class: 'dla-value', text: fmt(a.value, 4) }));
  });
  return el('section', { class: 'table-card wide', 'data-testid': 'attribution' },
    el('header', {}, el('h4', { text: `Direct logit attribution of ${JSON.stringify(v.targetLabel)} at position ${v.position}` })),
    el('p', { class: 'description', text: `${v.attributionNote} Sum ${fmt(sum, 5)} + constant ${fmt(v.attributionConstant, 5)} = ${fmt(sum + v.attributionConstant, 5)} (logit ${fmt(v.target.logit, 5)}).` }),
    ...rows);
}
