// Summaries of repeated measurements. The machine is noisy, so figures are medians (and tail
// percentiles where asked), never single runs or means that one stall can drag.

/** The q-quantile (0..1) of `samples` by linear interpolation between closest ranks. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('no samples to summarise')
  const sorted = [...samples].sort((a, b) => a - b)
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q))
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5)
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('no samples to summarise')
  return samples.reduce((sum, x) => sum + x, 0) / samples.length
}

/** Runs `fn` `times` times (after `warmup` unrecorded runs) and returns each duration in ms. */
export async function timeRepeated(
  times: number,
  warmup: number,
  fn: (i: number) => Promise<number | void> | number | void,
): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < warmup + times; i++) {
    const start = performance.now()
    const reported = await fn(i)
    // A run may report its own duration when setup inside it must not count.
    const elapsed = typeof reported === 'number' ? reported : performance.now() - start
    if (i >= warmup) samples.push(elapsed)
  }
  return samples
}
