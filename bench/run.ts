// `npm run bench [-- name...]`: runs the benchmarks (all, or those named), then prints the
// machine and one table with every figure beside its floor. Benchmarks measure and never assert;
// the run still exits 1 if any of them broke (a message that never arrived, a peer that died).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freshBundle } from '../bin/bundle.js'
import { onAbruptExit } from '../test/helpers/abrupt-exit.ts'
import { append } from './append.ts'
import { catchup } from './catchup.ts'
import { coldstart } from './coldstart.ts'
import { discovery } from './discovery.ts'
import { encryption } from './encryption.ts'
import { fanout } from './fanout.ts'
import { latency } from './latency.ts'
import { shelf, shelfSmall } from './shelf.ts'
import { shelfLan } from './shelf-lan.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { buildHistory, type History } from './lib/history.ts'
import { machine, table, type Row } from './lib/report.ts'
import { readScale, scaled } from './lib/scale.ts'

const ALL: readonly Benchmark[] = [
  latency,
  append,
  catchup,
  coldstart,
  discovery,
  encryption,
  fanout,
  shelf,
  shelfLan,
  shelfSmall,
]

function usage(): string {
  const names = ALL.map((b) => `  ${b.name.padEnd(11)} ${b.about}`).join('\n')
  return `usage: npm run bench [-- name...]   (BENCH_SCALE=0.1 for a quick smoke run)\n${names}`
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage())
    return 0
  }
  const unknown = argv.filter((name) => !ALL.some((b) => b.name === name))
  if (unknown.length > 0) {
    console.error(`bench: no benchmark called ${unknown.join(', ')}\n${usage()}`)
    return 2
  }
  const selected = argv.length === 0 ? ALL : ALL.filter((b) => argv.includes(b.name))
  const scale = readScale()

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'))
  const removeRoot = () => fs.rmSync(root, { recursive: true, force: true })
  const unregister = onAbruptExit(removeRoot)
  let history: Promise<History> | undefined
  let dirCount = 0
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`)
  const ctx: BenchContext = {
    scale,
    log,
    tempDir(label) {
      const dir = path.join(root, `${String(++dirCount).padStart(3, '0')}-${label}`)
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      return dir
    },
    history() {
      history ??= (async () => {
        const total = scaled(scale, 100_000, 1000)
        const missing = Math.round(total / 10)
        log(`building a history of ${total} messages (${missing} of them missing on one side)`)
        const built = await buildHistory(total, missing)
        log(`history built in ${(built.buildMs / 1000).toFixed(1)} s (${built.full.length} bytes)`)
        return built
      })()
      return history
    },
  }

  // What `hearth serve` runs decides how fast it starts: say which, so a stale bundle is seen.
  const bundled = freshBundle(new URL('..', import.meta.url)) !== null
  log(
    bundled
      ? 'hearth runs the bundle (dist/cli)'
      : 'hearth runs the TypeScript sources: dist/cli is missing or stale (npm run build:cli)',
  )
  const started = performance.now()
  const rows: Row[] = []
  const failures: string[] = []
  try {
    for (const bench of selected) {
      log(`── ${bench.name}: ${bench.about}`)
      const benchStarted = performance.now()
      try {
        rows.push(...(await bench.run(ctx)))
      } catch (err) {
        const reason = err instanceof Error ? (err.stack ?? err.message) : String(err)
        failures.push(`${bench.name}: ${reason}`)
        log(`${bench.name} FAILED: ${reason}`)
      }
      log(`${bench.name} took ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`)
    }
  } finally {
    removeRoot()
    unregister()
  }

  const elapsed = ((performance.now() - started) / 1000).toFixed(0)
  const command = `${scale === 1 ? '' : `BENCH_SCALE=${scale} `}npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
  console.log(`\nMachine: ${machine()}`)
  console.log(`Command: ${command}   (${elapsed} s)`)
  console.log('Ratios are what to quote; absolute times move with the machine.\n')
  console.log(table(rows))
  if (failures.length > 0) {
    console.log(`\n${failures.length} benchmark(s) broke:`)
    for (const f of failures) console.log(`- ${f.split('\n')[0]}`)
    return 1
  }
  return 0
}

const code = await main(process.argv.slice(2))
// Exit once the table is flushed: a stopped peer's lingering timers must not keep us alive.
process.stdout.write('', () => process.exit(code))
