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

/** Sequential white → colour scale for values in [0, max] (attention probabilities, norms, counts). */
export function sequentialRgb(value: number, max: number, rgb: [number, number, number] = POSITIVE): [number, number, number] {
  if (!Number.isFinite(value)) return NAN_RGB;
  const a = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  return rgb.map((c) => Math.round(255 + (c - 255) * a)) as [number, number, number];
}

export function sequentialCss(value: number, max: number, rgb: [number, number, number] = POSITIVE): string {
  return `rgb(${sequentialRgb(value, max, rgb).join(',')})`;
}

/**
 * The colour scale of a heatmap: diverging around 0 over [−max, max], or sequential over [0, max] for a quantity
 * that is never negative (a norm, a probability, a count), so that its small values do not all read as white.
 */
export interface ColourScale { kind: 'diverging' | 'sequential'; max: number }

export function scaleRgb(value: number, scale: ColourScale): [number, number, number] {
  return scale.kind === 'sequential' ? sequentialRgb(value, scale.max) : divergingRgb(value, scale.max);
}

export const scaleCss = (value: number, scale: ColourScale) => `rgb(${scaleRgb(value, scale).join(',')})`;

/** Categorical colours for curves and heads. */
export const SERIES = ['#2f5db8', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#5c940d'];
