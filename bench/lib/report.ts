// What a benchmark hands back, and the one table printed at the end of a run. Every figure stands
// beside its floor (the raw library doing the same work in the same run) and the ratio between
// them; ratios are what to quote, since absolute times move with the machine's load.
import os from 'node:os'

export type Unit = 'µs' | 'ms' | 's' | 'MB/s' | 'MB' | '×'

export interface Quantity {
  value: number
  unit: Unit
}

export interface Row {
  /** Which benchmark, e.g. `latency`. */
  bench: string
  /** What was measured, e.g. `p50 send → messageAdded`. */
  figure: string
  hearth: Quantity
  floor: Quantity & { what: string }
  /** How many times the floor's cost Hearth's figure is (for throughput: floor ÷ Hearth). */
  ratio: number
  target?: { text: string; met: boolean }
}

/** Time-like quantities: bigger is worse. */
export function timeRow(
  bench: string,
  figure: string,
  ms: number,
  floorMs: number,
  floorWhat: string,
  target?: { text: string; met: (ratio: number, ms: number) => boolean },
): Row {
  const unit = pickTimeUnit(Math.min(ms, floorMs))
  const ratio = ms / floorMs
  return {
    bench,
    figure,
    hearth: inUnit(ms, unit),
    floor: { ...inUnit(floorMs, unit), what: floorWhat },
    ratio,
    ...(target && { target: { text: target.text, met: target.met(ratio, ms) } }),
  }
}

/** Throughput, memory and other quantities already in their unit. */
export function quantityRow(
  bench: string,
  figure: string,
  hearth: Quantity,
  floor: Quantity & { what: string },
  options: {
    higherIsBetter?: boolean
    target?: { text: string; met: (ratio: number, value: number) => boolean }
  } = {},
): Row {
  const ratio = options.higherIsBetter ? floor.value / hearth.value : hearth.value / floor.value
  const target = options.target
  return {
    bench,
    figure,
    hearth,
    floor,
    ratio,
    ...(target && { target: { text: target.text, met: target.met(ratio, hearth.value) } }),
  }
}

function pickTimeUnit(ms: number): Unit {
  if (ms < 1) return 'µs'
  if (ms >= 10_000) return 's'
  return 'ms'
}

function inUnit(ms: number, unit: Unit): Quantity {
  if (unit === 'µs') return { value: ms * 1000, unit }
  if (unit === 's') return { value: ms / 1000, unit }
  return { value: ms, unit }
}

function num(q: Quantity): string {
  const v = q.value
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3
  return `${v.toFixed(digits)} ${q.unit}`
}

export function machine(): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? 'unknown CPU'
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0)
  return `${model}, ${cpus.length} cores, ${memGiB} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

/** The markdown table of a whole run. */
export function table(rows: readonly Row[]): string {
  const header = ['benchmark', 'figure', 'Hearth', 'floor', 'floor is', 'ratio', 'target']
  const lines = rows.map((r) => [
    r.bench,
    r.figure,
    num(r.hearth),
    num(r.floor),
    r.floor.what,
    `${r.ratio.toFixed(2)}×`,
    r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const fmt = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n')
}
