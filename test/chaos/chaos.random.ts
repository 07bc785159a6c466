/**
 * A small seeded generator (mulberry32), so a chaos run prints its seed and
 * the same seed draws the same sequence of faults and bumps. Timing still
 * differs between runs (processes race), so a seed reproduces the plan, not
 * every interleaving.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** An independent stream derived from this seed (e.g. one for faults, one for version bumps). */
  fork(salt: number): SeededRandom {
    return new SeededRandom((this.seed ^ Math.imul(salt, 0x9e3779b9)) >>> 0);
  }
}

/** A random 31-bit seed, for runs that were not given one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
