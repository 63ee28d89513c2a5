/** A search space's trials: the grid's every combination, or random draws (a seeded generator when `seed` is set). */

type Distribution = { type: string; values?: unknown[]; upper?: number; min_value?: number; max_value?: number; mu?: number; sigma?: number; q?: number };

/** mulberry32: a small seedable generator, so a sweep with a seed draws the same trials every run. */
function generator(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(d: Distribution, rnd: () => number): unknown {
  const uniform = () => Number(d.min_value) + rnd() * (Number(d.max_value) - Number(d.min_value));
  const normal = () => Number(d.mu) + Number(d.sigma) * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const quantize = (x: number) => Math.round(x / Number(d.q)) * Number(d.q);
  switch (d.type) {
    case 'choice':
      return (d.values ?? [])[Math.floor(rnd() * (d.values ?? []).length)];
    case 'randint':
      return Math.floor(rnd() * Number(d.upper));
    case 'uniform':
      return uniform();
    case 'quniform':
      return quantize(uniform());
    case 'loguniform':
      return Math.exp(uniform());
    case 'qloguniform':
      return quantize(Math.exp(uniform()));
    case 'normal':
      return normal();
    case 'qnormal':
      return quantize(normal());
    case 'lognormal':
      return Math.exp(normal());
    case 'qlognormal':
      return quantize(Math.exp(normal()));
    default:
      throw new Error(`search space distribution '${d.type}' is not one the service knows`);
  }
}

/**
 * The trials of a sweep: grid sampling enumerates every combination of the choices (up to `maxTrials`); random
 * and bayesian sampling draw `maxTrials` points (the emulator samples bayesian sweeps randomly: it has no model
 * of the metric surface).
 */
export function sampleTrials(space: Record<string, Distribution>, sampling: unknown, maxTrials: number | undefined): Record<string, unknown>[] {
  const algorithm = typeof sampling === 'object' && sampling ? String((sampling as { type?: string }).type) : String(sampling);
  const seed = typeof sampling === 'object' && sampling ? (sampling as { seed?: number }).seed : undefined;
  const names = Object.keys(space);
  if (algorithm === 'grid') {
    let grid: Record<string, unknown>[] = [{}];
    for (const name of names) grid = grid.flatMap((point) => (space[name].values ?? []).map((v) => ({ ...point, [name]: v })));
    return grid.slice(0, maxTrials ?? grid.length);
  }
  const rnd = generator(seed);
  return Array.from({ length: maxTrials ?? 10 }, () => Object.fromEntries(names.map((n) => [n, draw(space[n], rnd)])));
}
