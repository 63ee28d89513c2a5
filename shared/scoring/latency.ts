/** Nearest-rank percentile (q in 0..1) of the samples; 0 for no samples. */
export function percentile(samples: number[], q: number): number {
  if (!samples.length) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
