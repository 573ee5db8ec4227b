// Starts bench/proc/shelf-peer.ts processes (here or inside a LAN host) and hands back a typed
// contract client for each, plus its resident memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { createClient, type ApiClient } from '../../shared/rpc/client.ts'
import { onAbruptExit } from '../../test/helpers/abrupt-exit.ts'
import { exited, type Spawner } from '../../test/helpers/spawner.ts'
import { within } from './deadline.ts'
import type { OfferName } from './encrypters.ts'
import { lineChannel } from './line-channel.ts'

const SHELF_PEER = fileURLToPath(new URL('../proc/shelf-peer.ts', import.meta.url))
/** USER_HZ: what /proc counts CPU time in; 100 on every Linux we run on. */
const CLOCK_TICKS = 100
const Ready = z.object({ ready: z.literal(true), peerId: z.string(), addrs: z.array(z.string()) })

export interface BenchPeer {
  readonly peerId: string
  readonly addrs: string[]
  readonly client: ApiClient
  /** Resident set size of the peer's process, in bytes. */
  rss(): number
  /** CPU time the peer's process has used so far (user + system), in milliseconds. */
  cpuMs(): number
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
onAbruptExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

export async function startBenchPeer(opts: {
  dataDir: string
  encrypter: OfferName
  listen: string
  spawner?: Spawner
}): Promise<BenchPeer> {
  const args = ['--disable-warning=ExperimentalWarning', SHELF_PEER, opts.dataDir, opts.encrypter]
  const stdio = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'] }
  const child =
    opts.spawner === undefined
      ? spawn(process.execPath, [...args, opts.listen], stdio)
      : opts.spawner(process.execPath, [...args, opts.listen], stdio)
  running.add(child)
  void exited(child).then(() => running.delete(child))
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-8192)))
  let ready!: (line: string) => void
  const readyLine = new Promise<string>((resolve) => (ready = resolve))
  const channel = lineChannel(
    child.stdout as NodeJS.ReadableStream,
    child.stdin as NodeJS.WritableStream,
    ready,
  )
  const died = exited(child).then(({ code, signal }) => {
    throw new Error(`shelf-peer exited (${code ?? signal}) before it was ready: ${stderr}`)
  })
  const line = await within(Promise.race([readyLine, died]), 60_000, 'shelf-peer starting')
  const info = Ready.parse(JSON.parse(line))
  const client = createClient(channel)
  const pid = child.pid
  return {
    peerId: info.peerId,
    addrs: info.addrs,
    client,
    rss() {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
      if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`)
      return Number(kb) * 1024
    },
    cpuMs() {
      // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
      const ticks = Number(fields[11]) + Number(fields[12])
      if (!Number.isFinite(ticks)) throw new Error(`no CPU times for process ${pid}`)
      return (ticks * 1000) / CLOCK_TICKS
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await within(exited(child), 30_000, 'shelf-peer exiting')
      if (child.exitCode !== 0) console.error(`shelf-peer ended with ${child.exitCode}: ${stderr}`)
    },
  }
}

/** Samples `read` every `everyMs` until stopped; returns the highest value seen. */
export function sampleMax(read: () => number, everyMs = 100): { stop(): number } {
  let max = read()
  const timer = setInterval(() => {
    max = Math.max(max, read())
  }, everyMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(max, read())
    },
  }
}
