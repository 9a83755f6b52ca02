// The small special-purpose plots of the analysis views, on canvas so that each exports as PNG.
import { el, fmt } from '../util';
import { SERIES } from './colour';

export function hiDpiCanvas(width: number, height: number, testid: string): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const ratio = window.devicePixelRatio || 1;
  const canvas = el('canvas', { 'data-testid': testid });
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = width + 'px';
  canvas.style.height = height + 'px';
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  return [canvas, ctx];
}

export function showTip(e: MouseEvent, text: string, data: Record<string, string>) {
  const tip = document.getElementById('tooltip')!;
  tip.textContent = text;
  Object.assign(tip.dataset, data);
  tip.style.left = (e.clientX + 14) + 'px';
  tip.style.top = (e.clientY + 14) + 'px';
  tip.hidden = false;
}
export const hideTip = () => { document.getElementById('tooltip')!.hidden = true; };

function niceRange(values: number[]): [number, number] {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (hi - lo < 1e-12) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

/**
 * 2-D projection of every token@position through one head's W_Q/W_K/W_V (seed 001 §1): one point per row "t@p",
 * labelled with the token and coloured by position.
 */
export function projectionScatter(name: string, rowLabels: string[], values: number[][], size = 340): HTMLCanvasElement {
  const [canvas, ctx] = hiDpiCanvas(size + 120, size, 'projection-scatter');
  const pad = 30;
  const xs = values.map((v) => v[0]), ys = values.map((v) => v[1]);
  const [x0, x1] = niceRange(xs), [y0, y1] = niceRange(ys);
  const X = (x: number) => pad + (x - x0) / (x1 - x0) * (size - 2 * pad);
  const Y = (y: number) => size - pad - (y - y0) / (y1 - y0) * (size - 2 * pad);
  ctx.strokeStyle = '#d9dde5';
  ctx.strokeRect(pad, pad, size - 2 * pad, size - 2 * pad);
  if (x0 < 0 && x1 > 0) { ctx.beginPath(); ctx.moveTo(X(0), pad); ctx.lineTo(X(0), size - pad); ctx.stroke(); }
  if (y0 < 0 && y1 > 0) { ctx.beginPath(); ctx.moveTo(pad, Y(0)); ctx.lineTo(size - pad, Y(0)); ctx.stroke(); }
  const parsed = rowLabels.map((l) => { const at = String(l).lastIndexOf('@'); return at < 0 ? { t: String(l), p: '' } : { t: l.slice(0, at), p: l.slice(at + 1) }; });
  const positions = [...new Set(parsed.map((q) => q.p))];
  parsed.forEach((q, i) => {
    const colour = SERIES[positions.indexOf(q.p) % SERIES.length];
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(X(xs[i]), Y(ys[i]), 3.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillText(q.t, X(xs[i]) + 5, Y(ys[i]) - 4);
  });
  ctx.fillStyle = '#6b7280';
  ctx.fillText(`x ${fmt(x0, 2)} … ${fmt(x1, 2)}`, pad, size - 8);
  ctx.fillText(`y ${fmt(y0, 2)} … ${fmt(y1, 2)}`, pad, 14);
  positions.forEach((p, i) => {
    ctx.fillStyle = SERIES[i % SERIES.length];
    ctx.fillRect(size + 8, pad + i * 16, 10, 10);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(p === '' ? 'all' : `position ${p}`, size + 22, pad + i * 16 + 9);
  });
  canvas.addEventListener('mousemove', (e) => {
    let best = -1, bestD = 64;
    parsed.forEach((_, i) => {
      const d = (X(xs[i]) - e.offsetX) ** 2 + (Y(ys[i]) - e.offsetY) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    });
    if (best < 0) { hideTip(); return; }
    showTip(e, `${name} · ${rowLabels[best]}: (${fmt(xs[best], 4)}, ${fmt(ys[best], 4)})`,
      { table: name, row: String(best), col: '0', value: String(xs[best]) });
  });
  canvas.addEventListener('mouseleave', hideTip);
  return canvas;
}

/** Between dark (a feature alone in its dimension) and yellow (fully superposed), as in the TMS paper. */
function superpositionColour(s: number): string {
  const a = Math.max(0, Math.min(1, s));
  const lo = [31, 42, 68], hi = [246, 192, 0];
  return `rgb(${lo.map((c, i) => Math.round(c + (hi[i] - c) * a)).join(',')})`;
}

/**
 * TMS feature bars: ‖W_i‖ per feature, coloured by superposition Σ_{j≠i}(Ŵ_i·W_j)² (clamped to [0, 1]);
 * columns as the analysis names them (‖W_i‖, superposition, D_i, b_i).
 */
export function featureBars(name: string, rowLabels: string[], colLabels: string[], values: number[][]): HTMLCanvasElement {
  const col = (want: string, fallback: number) => { const i = colLabels.findIndex((c) => c.includes(want)); return i >= 0 ? i : fallback; };
  const iNorm = col('‖W', 0), iSup = col('superposition', 1), iD = col('D_', 2), iB = col('b_', 3);
  const bar = 14, gap = 3, left = 56, width = 420;
  const height = 30 + values.length * (bar + gap);
  const [canvas, ctx] = hiDpiCanvas(left + width + 140, Math.max(height, 80), 'feature-bars');
  const max = Math.max(1e-9, ...values.map((v) => v[iNorm]));
  values.forEach((v, i) => {
    const y = 20 + i * (bar + gap);
    ctx.fillStyle = superpositionColour(v[iSup]);
    ctx.fillRect(left, y, v[iNorm] / max * width, bar);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(rowLabels[i] ?? `f${i}`, 4, y + 11);
  });
  ctx.fillStyle = '#6b7280';
  ctx.fillText(`‖W_i‖ (max ${fmt(max, 3)})`, left, 12);
  for (let k = 0; k <= 20; k++) {
    ctx.fillStyle = superpositionColour(k / 20);
    ctx.fillRect(left + width + 20, 20 + k * 5, 12, 5);
  }
  ctx.fillStyle = '#1d2330';
  ctx.fillText('superposition 0', left + width + 36, 26);
  ctx.fillText('1', left + width + 36, 124);
  canvas.addEventListener('mousemove', (e) => {
    const i = Math.floor((e.offsetY - 20) / (bar + gap));
    if (i < 0 || i >= values.length) { hideTip(); return; }
    const v = values[i];
    showTip(e, `${name} · ${rowLabels[i]}: ‖W_i‖ ${fmt(v[iNorm])}, superposition ${fmt(v[iSup])}, D_i ${fmt(v[iD])}` +
      (v[iB] !== undefined ? `, b_i ${fmt(v[iB])}` : ''), { table: name, row: String(i), col: String(iNorm), value: String(v[iNorm]) });
  });
  canvas.addEventListener('mouseleave', hideTip);
  return canvas;
}

/**
 * The TMS paper's figure for n_hidden = 2: each feature's column W_i as an arrow from the origin in the hidden plane
 * (a pentagon of five features, antipodal pairs), on equal axes with the unit circle dashed; hover names the feature.
 */
export function featureArrows(title: string, vectors: [number, number][], labels: string[], size = 220): HTMLCanvasElement {
  const [canvas, ctx] = hiDpiCanvas(size, size + 18, 'feature-arrows');
  const reach = Math.max(1, ...vectors.map(([x, y]) => Math.hypot(x, y))) * 1.15;
  const half = size / 2;
  const X = (x: number) => half + x / reach * (half - 8);
  const Y = (y: number) => 18 + half - y / reach * (half - 8);
  ctx.fillStyle = '#1d2330';
  ctx.fillText(title, 4, 12);
  ctx.strokeStyle = '#d9dde5';
  ctx.beginPath(); ctx.moveTo(X(-reach), Y(0)); ctx.lineTo(X(reach), Y(0)); ctx.moveTo(X(0), Y(-reach)); ctx.lineTo(X(0), Y(reach)); ctx.stroke();
  ctx.setLineDash([3, 3]);
  ctx.beginPath(); ctx.arc(X(0), Y(0), X(1) - X(0), 0, 2 * Math.PI); ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#6b7280';
  ctx.fillText(`‖·‖ = 1`, X(0) + (X(1) - X(0)) * 0.72 + 2, Y(0) - (X(1) - X(0)) * 0.72 - 2);
  vectors.forEach(([x, y], i) => {
    const colour = SERIES[i % SERIES.length];
    const len = Math.hypot(X(x) - X(0), Y(y) - Y(0));
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(X(0), Y(0)); ctx.lineTo(X(x), Y(y)); ctx.stroke();
    if (len > 4) {
      const angle = Math.atan2(Y(y) - Y(0), X(x) - X(0));
      ctx.beginPath();
      ctx.moveTo(X(x), Y(y));
      ctx.lineTo(X(x) - 8 * Math.cos(angle - 0.4), Y(y) - 8 * Math.sin(angle - 0.4));
      ctx.lineTo(X(x) - 8 * Math.cos(angle + 0.4), Y(y) - 8 * Math.sin(angle + 0.4));
      ctx.closePath();
      ctx.fill();
      ctx.fillText(labels[i], X(x) + 4 * Math.cos(angle) - 6, Y(y) + 10 * Math.sin(angle) + 4);
    }
  });
  ctx.lineWidth = 1;
  canvas.dataset.arrows = String(vectors.length);
  canvas.dataset.vectors = JSON.stringify(vectors);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}: ${vectors.length} feature directions W_i in the hidden plane`);
  canvas.addEventListener('mousemove', (e) => {
    let best = -1, bestD = 100;
    vectors.forEach(([x, y], i) => {
      const d = (X(x) - e.offsetX) ** 2 + (Y(y) - e.offsetY) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    });
    if (best < 0) { hideTip(); return; }
    const [x, y] = vectors[best];
    showTip(e, `${title} · ${labels[best]}: W = (${fmt(x, 4)}, ${fmt(y, 4)}), ‖W‖ ${fmt(Math.hypot(x, y), 4)}`,
      { table: 'W', row: String(best), col: '0', value: String(x) });
  });
  canvas.addEventListener('mouseleave', hideTip);
  return canvas;
}
