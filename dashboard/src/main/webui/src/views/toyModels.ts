// The figures of the toy-model papers on a checkpoint's analysis page, from its weights (GET …/safetensors): for TMS
// with n_hidden = 2 the columns W_i as arrows in the plane, one plot per instance (Elhage et al. 2022, fig. 2/3); for
// CiS the response y_k(x) of each output along its input, against the target function, with each hidden neuron's
// share of it (seed 001 §4).
import { AnalysisIndex, api } from '../api';
import { featureArrows } from '../plots/charts';
import { linePlot } from '../plots/lines';
import { Tensor, at2, at3, loadTensors } from '../safetensors';
import { el, fmt } from '../util';

interface ModelDetail { spec: { task?: Record<string, unknown>; model?: Record<string, unknown> } | null }

export function toyModelCard(checkpointId: string, index: AnalysisIndex): HTMLElement | null {
  const kinds = new Set(index.tables.filter((t) => !t.error).map((t) => t.kind));
  const tms = kinds.has('WtW');
  const cis = kinds.has('W1') && kinds.has('W2');
  if (!tms && !cis) return null;
  const body = el('div', {}, el('p', { class: 'muted', text: 'loading the weights …' }));
  const card = el('section', { class: 'table-card wide', 'data-testid': tms ? 'tms-arrows-card' : 'cis-response-card' },
    el('header', {}, el('h4', { text: tms ? 'Feature directions W_i in the hidden plane' : 'Response curves y(x) against the target' })), body);
  api<ModelDetail>(`/api/checkpoints/${checkpointId}`).catch((): ModelDetail => ({ spec: null }))
    .then(async (detail) => {
      // the arrows are of the plane: a TMS model whose spec says n_hidden ≠ 2 is not downloaded at all
      const nHidden = detail.spec?.model?.nHidden;
      if (tms && typeof nHidden === 'number' && nHidden !== 2) { card.remove(); return; }
      const tensors = await loadTensors(checkpointId);
      const content = tms ? tmsArrows(tensors, detail.spec?.task ?? {}) : cisResponses(tensors, detail.spec?.task ?? {}, detail.spec?.model ?? {});
      if (!content) { card.remove(); return; }
      body.replaceChildren(content);
    })
    .catch((e) => body.replaceChildren(el('p', { class: 'error', text: `Cannot read the weights: ${(e as Error).message}` })));
  return card;
}

/** One arrows plot per instance, or null when n_hidden ≠ 2 (the figure is of the plane). */
function tmsArrows(tensors: Map<string, Tensor>, task: Record<string, unknown>): HTMLElement | null {
  const w = tensors.get('W');
  if (!w || w.shape.length !== 3 || w.shape[2] !== 2) return null;
  const [instances, features] = w.shape;
  const probabilities = Array.isArray(task.featureProbabilities) ? task.featureProbabilities as number[] : null;
  const p = (i: number) => probabilities?.[i] ?? (typeof task.featureProbability === 'number' ? task.featureProbability : null);
  const labels = Array.from({ length: features }, (_, j) => `f${j}`);
  const plots = Array.from({ length: instances }, (_, i) => {
    const vectors = labels.map((_, j) => [at3(w, i, j, 0), at3(w, i, j, 1)] as [number, number]);
    const q = p(i);
    const canvas = featureArrows(`I${i}${q !== null ? ` · 1−S = ${fmt(q, 3)}` : ''}`, vectors, labels);
    canvas.dataset.instance = String(i);
    return canvas;
  });
  return el('div', {},
    el('p', { class: 'description', text: `W of each instance as ${features} arrows W_i ∈ ℝ² (n_hidden = 2). Dense features get `
      + 'orthogonal directions and the rest are dropped; as they get sparser they are packed in antipodal pairs, then a pentagon.' }),
    el('div', { class: 'small-multiples', 'data-testid': 'tms-arrows' }, ...plots));
}

type Target = (x: number[]) => number[];

/** The task's target function (as the trainer's CisTask defines it), and the value the other inputs are held at. */
const TARGETS: Record<string, { f: Target; range: [number, number]; others: number }> = {
  abs: { f: (x) => x.map(Math.abs), range: [-1, 1], others: 0 },
  square: { f: (x) => x.map((v) => v * v), range: [-1, 1], others: 0 },
  'max-abs': { f: (x) => [Math.max(...x.map(Math.abs))], range: [-1, 1], others: 0 },
  and: { f: (x) => [x.reduce((a, v) => a * v, 1)], range: [0, 1], others: 1 },
  or: { f: (x) => [Math.max(...x)], range: [0, 1], others: 0 },
};

const relu = (v: number) => Math.max(0, v);

function cisResponses(tensors: Map<string, Tensor>, task: Record<string, unknown>, model: Record<string, unknown>): HTMLElement | null {
  const w1 = tensors.get('W1'), w2 = tensors.get('W2'), b1 = tensors.get('b1'), b2 = tensors.get('b2');
  if (!w1 || !w2) return null;
  const fn = String(task.function ?? '');
  const target = TARGETS[fn];
  const act = String(model.actFn ?? 'relu');
  if (!target) return el('p', { class: 'muted', text: `No target function known for task.function '${fn}'.` });
  if (act !== 'relu') return el('p', { class: 'muted', 'data-testid': 'cis-unsupported', text: `Response curves are drawn for relu models; this one uses ${act}.` });
  const [instances, features, hidden] = w1.shape;
  const outputs = w2.shape[2];
  const xs = Array.from({ length: 81 }, (_, i) => target.range[0] + (target.range[1] - target.range[0]) * i / 80);
  const pick = el('select', { 'data-testid': 'cis-instance' }, ...Array.from({ length: instances }, (_, i) => el('option', { value: i, text: `instance I${i}` })));
  const plots = el('div', { class: 'small-multiples', 'data-testid': 'cis-responses' });
  const draw = () => {
    const i = Number(pick.value);
    plots.replaceChildren(...Array.from({ length: features }, (_, k) => {
      const out = outputs === features ? k : 0; // |x|, x²: output k reads input k; the one-output functions read all
      const modelY: number[] = [], targetY: number[] = [];
      const neuron: number[][] = Array.from({ length: hidden }, () => []);
      for (const v of xs) {
        const x = Array.from({ length: features }, (_, j) => (j === k ? v : target.others));
        const h = Array.from({ length: hidden }, (_, n) => relu(x.reduce((s, xj, j) => s + xj * at3(w1, i, j, n), at2(b1, i, n))));
        h.forEach((hn, n) => neuron[n].push(hn * at3(w2, i, n, out)));
        modelY.push(relu(h.reduce((s, hn, n) => s + hn * at3(w2, i, n, out), at2(b2, i, out))));
        targetY.push(target.f(x)[out]);
      }
      const scale = Math.max(1e-9, ...neuron.flat().map(Math.abs));
      const active = neuron.map((c, n) => ({ n, c })).filter(({ c }) => Math.max(...c.map(Math.abs)) > 1e-3 * scale);
      const plot = linePlot({
        testid: 'cis-response', title: `y${out} along x${k}${features > 1 ? ` (other inputs ${target.others})` : ''}`,
        xLabel: `x${k}`, yLabel: `y${out}`, x: xs, width: 380, height: 240,
        series: [
          { label: `target ${fn}`, values: targetY, colour: '#1d2330', dash: [6, 4], width: 2 },
          { label: `model y${out}`, values: modelY, colour: '#d9480f', width: 2.4 },
          ...active.map(({ n, c }) => ({ label: `n${n}·W2`, values: c, width: 1, colour: '#7c8aa5' })),
        ],
      });
      plot.element.dataset.input = String(k);
      plot.element.dataset.output = String(out);
      plot.element.dataset.instance = String(i);
      return plot.element;
    }));
  };
  pick.addEventListener('change', draw);
  draw();
  return el('div', {},
    el('p', { class: 'description', text: `Each output along one input x_k (the other inputs at ${target.others}): the model's y = relu(relu(x·W1 + b1)·W2 + b2) `
      + `against the target ${fn}, and each hidden neuron's share h_n·W2[n, y] (grey) before the output bias and relu. `
      + `${hidden} hidden neurons for ${features} inputs.` }),
    el('label', {}, pick), plots);
}
