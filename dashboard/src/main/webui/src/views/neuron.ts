// #/models/{checkpointId}/neurons/{layer}/{neuron}: one MLP neuron of a language model — its top texts coloured by
// activation, quantile-band and random samples, histogram, logit effect, input tokens and similar neurons.
import { api } from '../api';
import { Lifetime, el, fmt, showError } from '../util';

export interface ExampleView { position: number; activation: number; center: number; tokens: number[]; text: string[]; acts: number[] }
export interface TokenScore { token: number; text: string; value: number }
export interface TokenTable { top: TokenScore[]; bottom: TokenScore[]; sharpness: number }
export interface NeuronView {
  checkpointId: string; scanId: string; corpusId: string; layer: number; neuron: number; nLayers: number; dMlp: number;
  maxActivation: number; mean: number; density: number; tokens: number;
  histogram: { lo: number; hi: number; bins: number; underflow: number; counts: number[]; overflow: number };
  top: ExampleView[]; bands: { fraction: number; low: number; high: number; samples: ExampleView[] }[];
  random: ExampleView[]; logitEffect: TokenTable; logitEffectNote: string; inputTokens: TokenTable;
  inputTokensNote: string; similarByWOut: { neuron: number; cosine: number }[]; similarByWIn: { neuron: number; cosine: number }[];
}

export const neuronHref = (checkpointId: string, layer: number, neuron: number) =>
  `#/models/${checkpointId}/neurons/${layer}/${neuron}`;

/** Blue for positive, red for negative, white at 0; full colour at ± scale (the neuron's max). */
export function actColour(a: number, scale: number): string {
  const t = Math.max(-1, Math.min(1, scale > 0 ? a / scale : 0));
  const fade = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(${fade},${fade},255)` : `rgb(255,${fade},${fade})`;
}

/** A token as a span coloured by the activation, the value on hover (title and data-act). */
export function tokenSpan(text: string, act: number, scale: number, extra: Record<string, string> = {}) {
  const span = el('span', { class: 'tok', title: `${JSON.stringify(text)}: ${fmt(act)}`, 'data-act': String(act), ...extra });
  span.textContent = text.replace(/\n/g, '↵');
  span.style.background = actColour(act, scale);
  return span;
}

/**
 * A readout of the hovered token under {@code container}: its text and activation (from the span's data-act), so the
 * value is on the page, not only in a tooltip.
 */
export function hoverReadout(container: HTMLElement): HTMLElement {
  const readout = el('span', { class: 'tok-readout', 'data-testid': 'token-value', text: 'hover a token' });
  container.addEventListener('mouseover', (event) => {
    const tok = (event.target as HTMLElement).closest<HTMLElement>('.tok');
    if (!tok || tok.dataset.act === undefined) return;
    readout.textContent = `${JSON.stringify(tok.textContent)}: ${fmt(Number(tok.dataset.act), 4)}`;
    readout.dataset.act = tok.dataset.act;
  });
  return readout;
}

function exampleRow(e: ExampleView, scale: number, truncated: boolean) {
  const from = truncated ? Math.max(0, e.center - 10) : 0;
  const to = truncated ? Math.min(e.tokens.length, e.center + 4) : e.tokens.length;
  const text = el('div', { class: 'example-text' });
  for (let i = from; i < to; i++) {
    text.append(tokenSpan(e.text[i], e.acts[i], scale, i === e.center ? { 'data-center': 'true' } : {}));
  }
  return el('div', { class: 'example', 'data-testid': 'example' },
    el('span', { class: 'example-act', text: fmt(e.activation, 3) }), text);
}

function examples(title: string, list: ExampleView[], scale: number, truncated: boolean, testid: string) {
  return el('section', { 'data-testid': testid }, el('h3', { text: title }),
    ...(list.length ? list.map((e) => exampleRow(e, scale, truncated)) : [el('p', { class: 'meta', text: 'none' })]));
}

function histogram(v: NeuronView) {
  const h = v.histogram;
  const width = 520, height = 120;
  const counts = [h.underflow, ...h.counts, h.overflow];
  const max = Math.max(1, ...counts);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'histogram');
  const w = width / counts.length;
  counts.forEach((c, i) => {
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    const bh = c === 0 ? 0 : Math.max(1, (height - 4) * Math.log1p(c) / Math.log1p(max));
    r.setAttribute('x', String(i * w)); r.setAttribute('width', String(Math.max(0.5, w - 0.5)));
    r.setAttribute('y', String(height - bh)); r.setAttribute('height', String(bh));
    r.setAttribute('fill', i === 0 || i === counts.length - 1 ? '#999' : '#4a6fd6');
    const lo = i === 0 ? '−∞' : fmt(h.lo + (i - 1) * (h.hi - h.lo) / h.bins, 3);
    const hi = i === counts.length - 1 ? '+∞' : fmt(h.lo + i * (h.hi - h.lo) / h.bins, 3);
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    t.textContent = `[${lo}, ${hi}): ${c}`;
    r.append(t);
    svg.append(r);
  });
  return el('section', { 'data-testid': 'histogram' }, el('h3', { text: 'Activation histogram (log counts)' }), svg,
    el('p', { class: 'meta', text: `bins of ${fmt((h.hi - h.lo) / h.bins, 3)} over [${fmt(h.lo)}, ${fmt(h.hi)}); grey: under/overflow` }));
}

function tokenTable(title: string, t: TokenTable, note: string, testid: string) {
  const rows = (list: TokenScore[]) => list.map((s) => el('tr', {}, el('td', { class: 'tok-cell', text: JSON.stringify(s.text) }), el('td', { text: fmt(s.value, 3) })));
  return el('section', { 'data-testid': testid }, el('h3', { text: title }),
    el('div', { class: 'two-col' },
      el('table', { class: 'token-table' }, el('tr', {}, el('th', { text: 'top' }), el('th', { text: '' })), ...rows(t.top)),
      el('table', { class: 'token-table' }, el('tr', {}, el('th', { text: 'bottom' }), el('th', { text: '' })), ...rows(t.bottom))),
    el('p', { class: 'meta', text: `sharpness ${fmt(t.sharpness, 3)} · ${note}` }));
}

export async function neuronPage(root: HTMLElement, checkpointId: string, layer: number, neuron: number, _life: Lifetime) {
  let v: NeuronView;
  try {
    v = await api<NeuronView>(`/api/models/${checkpointId}/neurons/${layer}/${neuron}`);
  } catch (e) {
    showError(`Neuron L${layer}N${neuron}: ${(e as Error).message}`);
    root.append(el('a', { href: `#/models/${checkpointId}/neurons`, text: 'Neuron index' }));
    return;
  }
  const scale = Math.max(Math.abs(v.maxActivation), 1e-9);
  const prev = neuron > 0 ? [layer, neuron - 1] : layer > 0 ? [layer - 1, v.dMlp - 1] : null;
  const next = neuron < v.dMlp - 1 ? [layer, neuron + 1] : layer < v.nLayers - 1 ? [layer + 1, 0] : null;
  const rnd = () => { const l = Math.floor(Math.random() * v.nLayers); const n = Math.floor(Math.random() * v.dMlp); location.hash = neuronHref(checkpointId, l, n); };
  let truncated = true;
  const body = el('div');
  const render = () => {
    body.replaceChildren(
      examples(`Top ${v.top.length} texts`, v.top, scale, truncated, 'top-examples'),
      ...v.bands.map((b) => examples(`Band ≈ ${Math.round(b.fraction * 100)} % of max: [${fmt(b.low, 3)}, ${fmt(b.high, 3)})`, b.samples, scale, truncated, 'band')),
      examples('Random samples', v.random, scale, truncated, 'random-examples'));
  };
  const toggle = el('button', { type: 'button', 'data-testid': 'context-toggle', text: 'Full context' });
  toggle.addEventListener('click', () => { truncated = !truncated; toggle.textContent = truncated ? 'Full context' : 'Truncated context'; render(); });
  render();
  const similar = (title: string, list: { neuron: number; cosine: number }[]) => el('section', { 'data-testid': 'similar' },
    el('h3', { text: title }), el('ul', {}, ...list.map((s) => el('li', {},
      el('a', { href: neuronHref(checkpointId, layer, s.neuron), text: `L${layer}N${s.neuron}` }), ` cos ${fmt(s.cosine, 3)}`))));
  root.append(el('section', { 'data-testid': 'neuron-view' },
    el('h2', { 'data-testid': 'neuron-title', text: `Neuron L${layer}N${neuron}` }),
    el('p', { class: 'meta' },
      el('a', { href: `#/models/${checkpointId}/neurons`, text: 'index' }), ' · ',
      prev ? el('a', { href: neuronHref(checkpointId, prev[0], prev[1]), 'data-testid': 'prev', text: '← previous' }) : '', ' ',
      next ? el('a', { href: neuronHref(checkpointId, next[0], next[1]), 'data-testid': 'next', text: 'next →' }) : '', ' ',
      el('button', { type: 'button', 'data-testid': 'random', text: 'random', onclick: rnd as EventListener }), ' · ',
      `max ${fmt(v.maxActivation, 4)} · mean ${fmt(v.mean, 4)} · fires on ${fmt(100 * v.density, 3)} % of ${v.tokens} tokens of ${v.corpusId}`),
    el('div', { class: 'meta' }, 'colour: blue +, red −, white 0, scale ± the neuron\'s max; hover a token for its value ', toggle,
      ' · ', hoverReadout(body)),
    body, histogram(v),
    tokenTable('Logit effect (W_out[n] · W_U)', v.logitEffect, v.logitEffectNote, 'logit-table'),
    tokenTable('Input tokens (W_E · W_in[:, n])', v.inputTokens, v.inputTokensNote, 'input-table'),
    el('div', { class: 'two-col' }, similar('Similar by W_out', v.similarByWOut), similar('Similar by W_in', v.similarByWIn))));
}
