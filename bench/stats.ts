/** The arithmetic of the benchmark: medians over rounds, latency percentiles, ratios against
 * the same-run reference. Pure functions, so a unit test can pin them down. */

/** The middle value; for an even count the mean of the two middle values. NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** Nearest-rank percentile (`p` in 0..100): the smallest value with at least p % of the
 * values at or below it. Never interpolates, so it is always a latency that was measured. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

/** `product / reference` for each round, paired by position: round i of the product was measured
 * right before round i of the reference, on the same machine state. */
export function roundRatios(product: readonly number[], reference: readonly number[]): number[] {
  if (product.length !== reference.length) {
    throw new Error(`cannot pair ${product.length} product rounds with ${reference.length} reference rounds`);
  }
  return product.map((value, i) => value / (reference[i] ?? Number.NaN));
}

/** The figure the issue asks for: the median of the per-round ratios (not the ratio of the
 * medians, which would pair a quiet product round with a noisy reference round). */
export function medianRatio(product: readonly number[], reference: readonly number[]): number {
  return median(roundRatios(product, reference));
}
