// Starts raw-sink processes (bench/proc/raw-sink.ts): the address to dial, then one arrival per
// whole message they receive.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { onAbruptExit } from '../../test/helpers/abrupt-exit.ts'
import { exited } from '../../test/helpers/spawner.ts'
import { within } from './deadline.ts'
import type { EncrypterName } from './encrypters.ts'
import { JsonLines } from './lines.ts'

const RAW_SINK = fileURLToPath(new URL('../proc/raw-sink.ts', import.meta.url))
const Line = z.union([
  z.object({ ready: z.literal(true), addr: z.string() }),
  z.object({ got: z.number() }),
])
type Line = z.infer<typeof Line>

export interface Sink {
  readonly addr: string
  /** Resolves with the length of the next whole message the sink receives. */
  next(): Promise<number>
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
onAbruptExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

export async function startSink(kind: EncrypterName | 'tcp'): Promise<Sink> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', RAW_SINK, kind], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  void exited(child).then(() => running.delete(child))
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4096)))
  const lines = new JsonLines<Line>(child.stdout as NodeJS.ReadableStream, Line, `raw-sink ${kind}`)
  let stopping = false
  child.once('exit', (code, signal) => {
    if (!stopping) lines.fail(new Error(`raw-sink ${kind} exited (${code ?? signal}): ${stderr}`))
  })
  const ready = await within(
    lines.next((l) => 'ready' in l),
    60_000,
    `raw-sink ${kind} starting`,
  )
  if (!('ready' in ready)) throw new Error('unreachable: matched a ready line')
  return {
    addr: ready.addr,
    async next() {
      const line = await lines.next((l) => 'got' in l)
      if (!('got' in line)) throw new Error('unreachable: matched a got line')
      return line.got
    },
    async stop() {
      stopping = true
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await within(exited(child), 10_000, `raw-sink ${kind} exiting`)
    },
  }
}
