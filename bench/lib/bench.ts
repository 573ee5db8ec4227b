// The shape every benchmark has, and what the runner hands it.
import type { History } from './history.ts'
import type { Row } from './report.ts'

export interface BenchContext {
  /** BENCH_SCALE: multiplies sizes and repeat counts. */
  readonly scale: number
  /** A progress line on stderr (the table goes to stdout). */
  log(line: string): void
  /** A fresh folder under the run's temp root, removed when the run ends. */
  tempDir(label: string): string
  /** The shared 100,000-message history (scaled), built once per run on first use. */
  history(): Promise<History>
}

export interface Benchmark {
  /** The name to select it: `npm run bench -- <name>`. */
  readonly name: string
  /** One line saying what it measures. */
  readonly about: string
  run(ctx: BenchContext): Promise<Row[]>
}
