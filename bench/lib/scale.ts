// BENCH_SCALE shrinks (or grows) every size and repeat count together, so a smoke run exercises
// exactly the code paths of a full run in a fraction of the time.

export function readScale(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BENCH_SCALE
  if (text === undefined || text === '') return 1
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || value > 10) {
    throw new Error(`BENCH_SCALE must be a number in (0, 10], not "${text}"`)
  }
  return value
}

/** `full` scaled, rounded, and never below `min`. */
export function scaled(scale: number, full: number, min = 1): number {
  return Math.max(min, Math.round(full * scale))
}
