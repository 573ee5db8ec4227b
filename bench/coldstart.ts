// 4. Cold start of a peer holding 100,000 messages: `hearth serve` from process start to its
// ready line, and its resident memory then. Floor: Node's own start (`node -e ''`) plus a bare
// Y.applyUpdate of the same state in a fresh process (whose memory is the memory floor).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { commands } from '../shared/api/index.ts'
import { cli, startServe } from '../test/helpers/proc.ts'
import type { Benchmark } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { messageText, writeDataDir } from './lib/history.ts'
import { quantityRow, timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { median } from './lib/stats.ts'

const BARE_LOAD = fileURLToPath(new URL('./proc/bare-load.ts', import.meta.url))
const MB = 1024 * 1024
const RSS_TARGET_MB = 250
/** How long a started peer idles before its memory is read a second time. */
const SETTLE_MS = 3000

const BareLoad = z.object({ applyMs: z.number(), entries: z.number(), rss: z.number() })
const MessageList = commands['messages.list'].output

export const coldstart: Benchmark = {
  name: 'coldstart',
  about: '`hearth serve` holding 100,000 messages: start → ready line, and RSS',
  async run(ctx) {
    const history = await ctx.history()
    const reps = scaled(ctx.scale, 5, 2)
    const dir = ctx.tempDir('coldstart')
    writeDataDir(dir, { device: history.founder, groupId: history.groupId, state: history.full })
    const stateFile = path.join(ctx.tempDir('coldstart-state'), 'state.bin')
    fs.writeFileSync(stateFile, history.full)

    const emptyDir = ctx.tempDir('coldstart-empty')
    const serveStart = async (dataDir: string, readyTimeoutMs?: number) => {
      const start = performance.now()
      const serve = await startServe({
        dataDir,
        args: ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'],
        ...(readyTimeoutMs !== undefined && { readyTimeoutMs }),
      })
      return { serve, elapsed: performance.now() - start }
    }

    // Every round starts each of the four once, so the floor and Hearth see the same moments of
    // a shared machine.
    ctx.log(
      `coldstart: 1 warm-up + ${reps} rounds of: hearth serve holding ${history.total} messages, ` +
        "hearth serve holding no group, node -e '', a bare Y.applyUpdate in a fresh process",
    )
    const starts: number[] = []
    const rss: number[] = []
    const settledRss: number[] = []
    const emptyStarts: number[] = []
    const nodeStarts: number[] = []
    const bare: z.infer<typeof BareLoad>[] = []
    for (let i = 0; i <= reps; i++) {
      const { serve, elapsed } = await serveStart(dir, 120_000)
      try {
        const atReady = residentBytes(serve.proc.pid)
        if (i === 0) {
          // Once: the peer that said ready really holds the history.
          const [last] = (await cli(dir, ['messages', history.groupId, '--limit', '1', '--json']))
            .ok()
            .json(MessageList)
          if (last?.text !== messageText(history.total - 1)) {
            throw new Error(`the started peer's last message is "${last?.text}"`)
          }
        } else {
          starts.push(elapsed)
          rss.push(atReady)
          // And once it has been idle for a moment, as a running peer mostly is.
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
          settledRss.push(residentBytes(serve.proc.pid))
        }
      } finally {
        await serve.stop()
      }

      const empty = await serveStart(emptyDir)
      await empty.serve.stop()
      const nodeStart = performance.now()
      await run(process.execPath, ['-e', ''])
      const nodeElapsed = performance.now() - nodeStart
      const out = BareLoad.parse(
        JSON.parse(await run(process.execPath, [BARE_LOAD, stateFile], true)),
      )
      if (out.entries !== history.total) {
        throw new Error(`the bare load found ${out.entries} messages, not ${history.total}`)
      }
      if (i > 0) {
        emptyStarts.push(empty.elapsed)
        nodeStarts.push(nodeElapsed)
        bare.push(out)
      }
    }
    const floorMs = median(nodeStarts) + median(bare.map((b) => b.applyMs))
    return [
      timeRow(
        'coldstart',
        `serve start → ready, ${history.total} msgs`,
        median(starts),
        floorMs,
        "node -e '' + bare applyUpdate",
        {
          text: '≤ 2× floor',
          met: (ratio) => ratio <= 2,
        },
      ),
      timeRow(
        'coldstart',
        'serve start → ready, no group',
        median(emptyStarts),
        median(nodeStarts),
        "node -e ''",
      ),
      quantityRow(
        'coldstart',
        'serve RSS after ready',
        { value: median(rss) / MB, unit: 'MB' },
        {
          value: median(bare.map((b) => b.rss)) / MB,
          unit: 'MB',
          what: 'RSS of node + bare applyUpdate',
        },
        { target: { text: `< ${RSS_TARGET_MB} MB`, met: (_ratio, mb) => mb < RSS_TARGET_MB } },
      ),
      quantityRow(
        'coldstart',
        `serve RSS ${SETTLE_MS / 1000} s after ready`,
        { value: median(settledRss) / MB, unit: 'MB' },
        {
          value: median(bare.map((b) => b.rss)) / MB,
          unit: 'MB',
          what: 'RSS of node + bare applyUpdate',
        },
      ),
    ] satisfies Row[]
  },
}

/** Resident set of a live process, from /proc (Linux). */
function residentBytes(pid: number | undefined): number {
  if (pid === undefined) throw new Error('the serve process has no pid')
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(kb) * 1024
}

/** Runs a command to a clean exit; returns its stdout when asked (else the empty string). */
async function run(command: string, args: string[], capture = false): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s))
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s))
  // 'close', not 'exit': by then all of stdout has been read.
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  const code = await within(closed, 60_000, `${command} ${args.join(' ')}`)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} ended with ${code}: ${stderr}`)
  return stdout
}
