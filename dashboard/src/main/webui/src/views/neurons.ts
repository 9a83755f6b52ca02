// #/models/{checkpointId}/neurons: the Neuroscope of one model — scan progress, neuron index (sortable), search by
// token, live text (click a token → its top neurons; click a neuron → its page) and seed 001 §2's cosine structure.
import { api, postJson } from '../api';
import { Lifetime, el, fmt, showError } from '../util';
import { hoverReadout, neuronHref, tokenSpan } from './neuron';

interface ScanView { scanId: string; corpusId: string; status: string; shardsTotal: number | null; shardsDone: number; tokensTotal: number | null; tokensDone: number; error: string | null }
interface NeuronSummary { layer: number; neuron: number; maxActivation: number; mean: number; density: number; logitSharpness: number; topLogitToken: number; topLogitText: string }
interface NeuronIndex { total: number; nLayers: number; dMlp: number; neurons: NeuronSummary[] }
interface LiveView { tokens: number[]; text: string[]; truncated: boolean; millis: number; layers: { layer: number; perToken: { neuron: number; activation: number }[][]; overall: { neuron: number; activation: number }[] }[] }
interface CosineView { neurons: number; pathMeanSqCos: number; randomPathMeanSqCos: number; meanSqCos: number; randomMeanSqCos: number; poolSize: number; pooled: number[][] }

export async function neuronsPage(root: HTMLElement, checkpointId: string, params: URLSearchParams, life: Lifetime) {
  const base = `/api/models/${checkpointId}`;
  const status = el('p', { class: 'meta', 'data-testid': 'scan-status' });
  const index = el('section', { 'data-testid': 'neuron-index' });
  root.append(el('h2', { text: `Neuroscope of model ${checkpointId.slice(0, 8)}` }),
    el('p', { class: 'meta' }, el('a', { href: `#/checkpoints/${checkpointId}`, text: 'circuit tables' })), status,
    liveSection(base, checkpointId), searchSection(base, checkpointId), index, cosineSection(base));

  const sort = params.get('sort') ?? 'max';
  const loadIndex = async () => {
    const page = await api<NeuronIndex>(`${base}/neurons?sort=${sort}&limit=200`);
    const head = ['max', 'density', 'mean', 'sharpness'].map((s) => el('th', {}, el('a', { href: `#/models/${checkpointId}/neurons?sort=${s}`, text: s + (s === sort ? ' ▼' : '') })));
    index.replaceChildren(el('h3', { text: `Neurons (${page.total}) · ` }, el('a', { href: `${base}/neurons?format=csv&limit=100000&sort=${sort}`, text: 'CSV' })),
      el('table', { class: 'neuron-index' }, el('tr', {}, el('th', { text: 'neuron' }), ...head, el('th', { text: 'top logit token' })),
        ...page.neurons.map((n) => el('tr', {},
          el('td', {}, el('a', { href: neuronHref(checkpointId, n.layer, n.neuron), text: `L${n.layer}N${n.neuron}` })),
          el('td', { text: fmt(n.maxActivation, 3) }), el('td', { text: fmt(n.density, 3) }), el('td', { text: fmt(n.mean, 3) }),
          el('td', { text: fmt(n.logitSharpness, 3) }), el('td', { text: JSON.stringify(n.topLogitText) })))));
  };
  scanStatus(status, base, life, loadIndex);
}

/**
 * The model's latest Neuroscope scan: progress (a bar over tokens and shards, polled every 2 s while it runs), or a
 * button that requests a scan of the built-in stories when there is none (an imported model is scanned on request).
 * {@code onCompleted} runs once the scan has completed.
 */
export function scanStatus(status: HTMLElement, base: string, life: Lifetime, onCompleted: () => Promise<void> | void) {
  const poll = async () => {
    try {
      const scans = await api<ScanView[]>(`${base}/neuroscope/scans`);
      if (!life.alive) return;
      const s = scans[0];
      if (!s) {
        const button = el('button', { type: 'button', 'data-testid': 'request-scan', text: 'Scan the built-in stories' }) as HTMLButtonElement;
        button.addEventListener('click', async () => {
          button.disabled = true;
          try { await postJson(`${base}/neuroscope/scans`, {}); } catch (e) { showError((e as Error).message); button.disabled = false; return; }
          poll();
        });
        status.replaceChildren('No Neuroscope scan yet. ', button);
        return;
      }
      const done = s.tokensTotal ? s.tokensDone / s.tokensTotal : 0;
      const bar = el('progress', { max: 1, value: s.status === 'COMPLETED' ? 1 : done, 'data-testid': 'scan-progress' });
      status.replaceChildren(bar, ` Scan of ${s.corpusId}: `, el('span', { 'data-testid': 'scan-state', text: s.status }),
        ` · shards ${s.shardsDone}/${s.shardsTotal ?? '?'} · tokens ${s.tokensDone}/${s.tokensTotal ?? '?'}`
        + (s.tokensTotal ? ` (${Math.round(100 * done)} %)` : '') + (s.error ? ' · ' + s.error : ''));
      status.dataset.status = s.status;
      if (s.status === 'COMPLETED') await onCompleted();
      else if (s.status !== 'FAILED') { const t = setTimeout(poll, 2000); life.add(() => clearTimeout(t)); }
    } catch (e) { showError((e as Error).message); }
  };
  poll();
}

function liveSection(base: string, checkpointId: string) {
  const input = el('textarea', { rows: 3, cols: 80, 'data-testid': 'live-input', placeholder: 'Type any text; the model runs on it now' }) as HTMLTextAreaElement;
  const out = el('div', { 'data-testid': 'live-output' });
  const run = async () => {
    try {
      const v = await postJson<LiveView>(`${base}/neuroscope/live`, { text: input.value });
      const detail = el('div', { 'data-testid': 'live-token-neurons' });
      const tokens = el('div', { class: 'example-text' });
      const maxOver = Math.max(1e-9, ...v.layers.flatMap((l) => l.overall.map((a) => a.activation)));
      v.text.forEach((t, i) => {
        const best = Math.max(...v.layers.map((l) => l.perToken[i][0]?.activation ?? 0));
        const span = tokenSpan(t, best, maxOver, { 'data-index': String(i) });
        span.style.cursor = 'pointer';
        span.addEventListener('click', () => detail.replaceChildren(el('h4', { text: `Top neurons on ${JSON.stringify(t)}` }),
          ...v.layers.map((l) => el('p', {}, `layer ${l.layer}: `, ...l.perToken[i].flatMap((a) => [
            el('a', { href: neuronHref(checkpointId, l.layer, a.neuron), class: 'neuron-link', text: `L${l.layer}N${a.neuron}` }), ` ${fmt(a.activation, 3)}  `])))));
        tokens.append(span);
      });
      out.replaceChildren(el('p', { class: 'meta', text: `${v.tokens.length} tokens in ${fmt(v.millis, 3)} ms${v.truncated ? ' (cut at 2 048 tokens; read in pieces of n_ctx − 1, as a scan reads a story)' : ''}; click a token · ` }, hoverReadout(tokens)), tokens, detail,
        ...v.layers.map((l) => el('p', {}, `layer ${l.layer} most active: `, ...l.overall.flatMap((a) => [
          el('a', { href: neuronHref(checkpointId, l.layer, a.neuron), class: 'neuron-link', text: `L${l.layer}N${a.neuron}` }), ` ${fmt(a.activation, 3)}  `]))));
    } catch (e) { showError((e as Error).message); }
  };
  return el('section', { 'data-testid': 'live' }, el('h3', { text: 'Live text' }), input, ' ',
    el('button', { type: 'button', 'data-testid': 'live-run', text: 'Run', onclick: run as EventListener }), out);
}

function searchSection(base: string, checkpointId: string) {
  const input = el('input', { type: 'text', placeholder: 'a token, e.g. " an"', 'data-testid': 'search-input' }) as HTMLInputElement;
  const out = el('div', { 'data-testid': 'search-output' });
  const go = async () => {
    try {
      const r = await api<{ text: string; neurons: { layer: number; neuron: number; activation: number }[] }>(`${base}/neuroscope/search?text=${encodeURIComponent(input.value)}`);
      out.replaceChildren(el('p', { text: `Neurons firing most on ${JSON.stringify(r.text)}: ` },
        ...r.neurons.flatMap((n) => [el('a', { href: neuronHref(checkpointId, n.layer, n.neuron), text: `L${n.layer}N${n.neuron}` }), ` ${fmt(n.activation, 3)}  `])));
    } catch (e) { showError((e as Error).message); }
  };
  return el('section', { 'data-testid': 'search' }, el('h3', { text: 'Search by token' }), input, ' ',
    el('button', { type: 'button', text: 'Search', onclick: go as EventListener }), out);
}

function cosineSection(base: string) {
  const out = el('div', { 'data-testid': 'cosine-output' });
  const show = async (matrix: string) => {
    try {
      const v = await api<CosineView>(`${base}/neuroscope/cosine/0?matrix=${matrix}`);
      const m = v.pooled.length, canvas = el('canvas', { width: m, height: m, class: 'cosine' }) as HTMLCanvasElement;
      canvas.style.width = canvas.style.height = '384px';
      canvas.style.imageRendering = 'pixelated';
      const ctx = canvas.getContext('2d')!;
      const img = ctx.createImageData(m, m);
      v.pooled.forEach((row, i) => row.forEach((c, j) => {
        const t = Math.max(-1, Math.min(1, c)), f = Math.round(255 * (1 - Math.abs(t))), k = 4 * (i * m + j);
        img.data[k] = t >= 0 ? f : 255; img.data[k + 1] = f; img.data[k + 2] = t >= 0 ? 255 : f; img.data[k + 3] = 255;
      }));
      ctx.putImageData(img, 0, 0);
      out.replaceChildren(el('p', { class: 'meta', text: `${matrix} of layer 0, ${v.neurons} neurons along the greedy path (blocks of ${v.poolSize}): mean adjacent cos² ${fmt(v.pathMeanSqCos, 3)} vs ${fmt(v.randomPathMeanSqCos, 3)} for a random Gaussian matrix of the same shape (mean cos² ${fmt(v.meanSqCos, 3)} vs ${fmt(v.randomMeanSqCos, 3)})` }), canvas);
    } catch (e) { showError((e as Error).message); }
  };
  return el('section', { 'data-testid': 'cosine' }, el('h3', { text: 'Neuron × neuron cosine structure (seed 001 §2)' }),
    el('button', { type: 'button', text: 'W_out', onclick: (() => show('W_out')) as EventListener }), ' ',
    el('button', { type: 'button', text: 'W_in', onclick: (() => show('W_in')) as EventListener }), out);
}
