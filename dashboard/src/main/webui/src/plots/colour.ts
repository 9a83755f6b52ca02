// Diverging blue–white–red scale centred on zero: negative blue, zero white, positive red, saturating at ±maxAbs.

const NEGATIVE: [number, number, number] = [33, 102, 172];
const POSITIVE: [number, number, number] = [178, 24, 43];
export const NAN_RGB: [number, number, number] = [204, 204, 204];

export function divergingRgb(value: number, maxAbs: number): [number, number, number] {
  if (!Number.isFinite(value)) return NAN_RGB;
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, value / maxAbs)) : 0;
  const end = t >= 0 ? POSITIVE : NEGATIVE;
  const a = Math.abs(t);
  return [Math.round(255 + (end[0] - 255) * a), Math.round(255 + (end[1] - 255) * a), Math.round(255 + (end[2] - 255) * a)];
}

export const divergingCss = (value: number, maxAbs: number) => `rgb(${divergingRgb(value, maxAbs).join(',')})`;

/** Sequential white → colour scale for values in [0, max] (attention probabilities). */
export function sequentialCss(value: number, max: number, rgb: [number, number, number] = POSITIVE): string {
  const a = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  return `rgb(${rgb.map((c) => Math.round(255 + (c - 255) * a)).join(',')})`;
}

/** Categorical colours for curves and heads. */
export const SERIES = ['#2f5db8', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#5c940d'];
