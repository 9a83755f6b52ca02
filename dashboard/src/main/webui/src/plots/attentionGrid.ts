// Attention patterns as CircuitsVis draws them: every head of a prompt in one grid of thumbnails, each labelled by
// prompt and head (L0H3) and drawn in its own colour (white = 0, the head's colour = 1), a 0–1 legend, and the
// chosen head enlarged with the tokens on both axes and each cell's value on hover.
import { el, fmt } from '../util';
import { hiDpiCanvas, hideTip, showTip } from './charts';
import { sequentialCss } from './colour';

export interface HeadGridEntry { name: string; pattern: number[][] }

/** A distinct colour per head: hues spread evenly over the heads, at one saturation and lightness. */
export function headRgb(index: number, count: number): [number, number, number] {
  const h = (index * 360) / Math.max(count, 1), s = 0.7, l = 0.42;
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [f(0), f(8), f(4)].map((x) => Math.round(255 * x)) as [number, number, number];
}

const shade = (v: number, rgb: [number, number, number]) => sequentialCss(v, 1, rgb);

function legend(rgb: [number, number, number]): HTMLElement {
  const [canvas, ctx] = hiDpiCanvas(180, 30, 'attention-legend');
  for (let x = 0; x < 160; x++) {
    ctx.fillStyle = shade(x / 159, rgb);
    ctx.fillRect(10 + x, 2, 1, 12);
  }
  ctx.strokeStyle = '#999';
  ctx.strokeRect(10, 2, 160, 12);
  ctx.fillStyle = '#1d2330';
  [[0, '0'], [0.5, '0.5'], [1, '1']].forEach(([t, label]) => {
    const x = 10 + 160 * (t as number);
    ctx.fillRect(x, 14, 1, 3);
    ctx.fillText(label as string, x - ctx.measureText(label as string).width / 2, 27);
  });
  canvas.setAttribute('aria-label', 'colour scale: attention probability from 0 (white) to 1 (the head\'s colour)');
  return canvas;
}

/**
 * The grid of every head of one prompt. {@code tokens} label the query rows and key columns; {@code prompt} names
 * the prompt in each thumbnail's label.
 */
export function attentionGrid(prompt: string, tokens: string[], heads: HeadGridEntry[], selected = 0): HTMLElement {
  const root = el('div', { class: 'attention-grid-view', 'data-testid': 'attention-grid' });
  const grid = el('div', { class: 'attention-grid' });
  const big = el('div', { class: 'attention-main' });
  const readout = el('div', { class: 'meta', 'data-testid': 'pattern-readout', text: 'hover a cell of the pattern' });
  const n = tokens.length;
  const short = prompt.length > 18 ? prompt.slice(0, 17) + '…' : prompt;
  const draw = (head: HeadGridEntry, rgb: [number, number, number], cell: number, labels: boolean, testid: string) => {
    const left = labels ? 70 : 1, top = labels ? 70 : 1;
    const [canvas, ctx] = hiDpiCanvas(left + n * cell + 1, top + n * cell + 1, testid);
    head.pattern.forEach((row, q) => row.forEach((v, k) => {
      ctx.fillStyle = k > q ? '#f3f3f3' : shade(v, rgb);
      ctx.fillRect(left + k * cell, top + q * cell, cell, cell);
    }));
    canvas.dataset.head = head.name;
    canvas.dataset.left = String(left);
    canvas.dataset.top = String(top);
    canvas.dataset.cell = String(cell);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `attention pattern of ${head.name} on ${prompt}`);
    if (labels) {
      ctx.fillStyle = '#1d2330';
      const clip = (t: string) => (t.length > 10 ? t.slice(0, 9) + '…' : t);
      tokens.forEach((t, q) => {
        const s = `${q}:${clip(t)}`;
        ctx.fillText(s, left - 4 - ctx.measureText(s).width, top + q * cell + cell / 2 + 4);
      });
      tokens.forEach((t, k) => {
        ctx.save(); ctx.translate(left + k * cell + cell / 2 + 4, top - 4); ctx.rotate(-Math.PI / 2);
        ctx.fillText(`${k}:${clip(t)}`, 0, 0); ctx.restore();
      });
      canvas.addEventListener('mousemove', (e) => {
        const q = Math.floor((e.offsetY - top) / cell), k = Math.floor((e.offsetX - left) / cell);
        if (q < 0 || k < 0 || q >= n || k >= n) { hideTip(); return; }
        const v = head.pattern[q][k];
        const text = `${head.name} · query ${q}:${tokens[q]} → key ${k}:${tokens[k]}: ${fmt(v, 4)}`;
        readout.textContent = text;
        Object.assign(readout.dataset, { head: head.name, query: String(q), key: String(k), value: String(v) });
        showTip(e, text, { table: head.name, row: String(q), col: String(k), value: String(v) });
      });
      canvas.addEventListener('mouseleave', hideTip);
    }
    return canvas;
  };
  const select = (i: number) => {
    const head = heads[i], rgb = headRgb(i, heads.length);
    grid.querySelectorAll('.attention-thumb').forEach((t, k) => t.classList.toggle('selected', k === i));
    big.replaceChildren(
      el('div', { class: 'attention-main-head' }, el('strong', { 'data-testid': 'pattern-title', text: `${short} · ${head.name}` }),
        el('span', { class: 'muted small', text: ' hook_pattern: query (row) × key (column); later keys masked' })),
      draw(head, rgb, Math.max(14, Math.min(40, Math.floor(420 / Math.max(n, 1)))), true, 'attention-pattern'),
      el('div', { class: 'attention-legend' }, legend(rgb)), readout);
  };
  const thumbCell = Math.max(2, Math.floor(72 / Math.max(n, 1)));
  heads.forEach((head, i) => {
    const thumb = el('button', { type: 'button', class: 'attention-thumb', title: `${prompt} · ${head.name}`, 'data-testid': `thumb-${head.name}` },
      draw(head, headRgb(i, heads.length), thumbCell, false, 'attention-thumb'),
      el('span', { class: 'thumb-label', text: `${short} · ${head.name}` }));
    thumb.addEventListener('click', () => select(i));
    grid.append(thumb);
  });
  root.append(grid, big);
  if (heads.length) select(Math.min(Math.max(selected, 0), heads.length - 1));
  return root;
}
