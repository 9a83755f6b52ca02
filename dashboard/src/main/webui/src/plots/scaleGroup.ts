// One colour scale for every heatmap of a kind (WtW.I0 … I9, EQKE of each head): with it on, equal colours mean
// equal values across instances or heads; off, each table uses its own range. Tables join as they load (the analysis
// page loads them lazily), and the shared scale widens as they do.
import { ColourScale } from './colour';
import type { Heatmap } from './heatmap';

/** The scale that covers every given scale: the largest max, sequential only if every one is. */
export function unionScale(scales: ColourScale[]): ColourScale {
  return {
    kind: scales.length && scales.every((s) => s.kind === 'sequential') ? 'sequential' : 'diverging',
    max: Math.max(0, ...scales.map((s) => s.max)),
  };
}

export class ScaleGroup {
  private members = new Map<string, Set<Heatmap>>();
  private shared = false;

  get on() {
    return this.shared;
  }

  join(kind: string, heatmap: Heatmap) {
    const set = this.members.get(kind) ?? new Set<Heatmap>();
    set.add(heatmap);
    this.members.set(kind, set);
    if (this.shared) this.apply(kind);
  }

  setShared(on: boolean) {
    this.shared = on;
    for (const kind of this.members.keys()) this.apply(kind);
  }

  /** The scale each member of a kind is painted with now. */
  scaleOf(kind: string): ColourScale | null {
    const set = this.members.get(kind);
    return set && set.size ? unionScale([...set].map((h) => h.ownScale)) : null;
  }

  private apply(kind: string) {
    const set = this.members.get(kind)!;
    const scale = this.shared ? this.scaleOf(kind) : null;
    set.forEach((h) => h.setScale(scale));
  }
}
