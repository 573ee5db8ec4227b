// Runs Hearth's CLI as separate processes, exactly as a person or a script would, against the
// `hearth` command contract: `serve` prints one JSON ready line, every other command talks to the
// peer on the same data folder, exit codes 0/1/2/3.
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { PeerIdText } from '../../shared/api/index.ts'
import { onAbruptExit } from './abrupt-exit.ts'
import { exited, localSpawner, type Exit, type Spawner } from './spawner.ts'

export { until, type UntilOptions } from './until.ts'
export { tempDirs, type TempDirs } from './temp.ts'
export { localSpawner, type Spawner } from './spawner.ts'

/** The CLI entry point, from the repository root. */
export const HEARTH_BIN = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url))

// Scripts read the ready line as the first line of stdout, so anything else there breaks them.
export const ServeReady = z.object({
  ready: z.literal(true),
  peerId: PeerIdText,
  addrs: z.array(z.string()),
  api: z.string().regex(/^ws:\/\/127\.0\.0\.1:\d+/, 'the API must be a loopback ws:// address'),
  web: z.string().optional(),
})
export type ServeReady = z.infer<typeof ServeReady>

const MAX_READY_LINE = 64 * 1024
const KEPT_OUTPUT = 64 * 1024

export type ProcessOptions = {
  /** Where to start the process, e.g. `lan.spawner('h1')`; defaults to this machine. */
  spawn?: Spawner
  /** The script node runs; defaults to the repository's bin/hearth.js. */
  bin?: string
  env?: NodeJS.ProcessEnv
}

export type ServeOptions = ProcessOptions & {
  /** null: no --data-dir at all (portable mode finds its own folder). */
  dataDir: string | null
  /** Extra arguments after `serve --data-dir DIR --json`. */
  args?: readonly string[]
  /** How long the peer may take to print its ready line. */
  readyTimeoutMs?: number
}

export type Serve = {
  proc: ChildProcess
  ready: ServeReady
  /** SIGTERM, then fails unless the peer exits with code 0. */
  stop(options?: { timeoutMs?: number }): Promise<void>
  /** SIGKILL, like a power cut; resolves once the process is gone. */
  kill9(): Promise<void>
  /** The last 64 KiB the peer wrote to stderr, for failure messages. */
  stderr(): string
}

// Whatever a test forgets (or cannot reach, because it threw) dies with the test process.
const running = new Set<ChildProcess>()
onAbruptExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

function track(child: ChildProcess): void {
  running.add(child)
  void exited(child).then(() => running.delete(child))
}

/** Keeps the last `limit` characters of a stream. */
function tail(limit = KEPT_OUTPUT): { push(s: string): void; text(): string } {
  let kept = ''
  return {
    push(s) {
      kept = (kept + s).slice(-limit)
    },
    text: () => kept,
  }
}

function describeExit({ code, signal }: Exit): string {
  return code !== null ? `code ${code}` : `signal ${signal}`
}

async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Starts `hearth serve` and resolves once it printed its ready line. */
export async function startServe({
  dataDir,
  args = [],
  spawn = localSpawner,
  bin = HEARTH_BIN,
  env = process.env,
  readyTimeoutMs = 60_000,
}: ServeOptions): Promise<Serve> {
  const what = `hearth serve ${dataDirArgs(dataDir).join(' ')}`
  const proc = spawn(process.execPath, [bin, 'serve', ...dataDirArgs(dataDir), '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  track(proc)
  const stderr = tail()
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => stderr.push(s))
  const stderrPart = (): string => {
    const text = stderr.text().trim()
    return text ? `\n--- stderr ---\n${text}` : ''
  }

  let ready: ServeReady
  try {
    const line = await withDeadline(
      firstLine(proc, what, stderr.text),
      readyTimeoutMs,
      () => new Error(`${what} printed no ready line in ${readyTimeoutMs} ms${stderrPart()}`),
    )
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      throw new Error(`${what}: the first line of stdout is not JSON:\n${line}${stderrPart()}`, {
        cause: err,
      })
    }
    const parsed = ServeReady.safeParse(value)
    if (!parsed.success) {
      throw new Error(
        `${what}: the first line of stdout is not the ready line (${z.prettifyError(parsed.error)}):\n${line}${stderrPart()}`,
      )
    }
    ready = parsed.data
  } catch (err) {
    proc.kill('SIGKILL')
    await exited(proc)
    throw err
  }

  return {
    proc,
    ready,
    stderr: stderr.text,
    async stop({ timeoutMs = 30_000 } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      const exit = await withDeadline(exited(proc), timeoutMs, () => {
        proc.kill('SIGKILL')
        return new Error(`${what} did not exit within ${timeoutMs} ms of SIGTERM${stderrPart()}`)
      })
      if (exit.code !== 0) {
        throw new Error(`${what} ended with ${describeExit(exit)}, not code 0${stderrPart()}`)
      }
    },
    async kill9() {
      proc.kill('SIGKILL')
      await exited(proc)
    },
  }
}

/** Resolves with stdout's first line; keeps draining stdout afterwards so the pipe never fills. */
function firstLine(proc: ChildProcess, what: string, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdout = proc.stdout
    if (!stdout) return reject(new Error(`${what}: stdout is not a pipe`))
    let buffered = ''
    let settled = false
    const settle = (finish: () => void) => {
      if (settled) return
      settled = true
      buffered = ''
      finish()
    }
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return
      buffered += chunk
      const newline = buffered.indexOf('\n')
      if (newline >= 0) {
        const line = buffered.slice(0, newline)
        settle(() => resolve(line))
      } else if (buffered.length > MAX_READY_LINE) {
        settle(() =>
          reject(new Error(`${what}: stdout's first line exceeds ${MAX_READY_LINE} chars`)),
        )
      }
    })
    proc.once('error', (err) => settle(() => reject(new Error(`${what}: ${err.message}`))))
    // 'close', not 'exit': by then stdout and stderr are fully read, so a ready line printed just
    // before a crash is not lost and the error below carries all of stderr.
    proc.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      settle(() =>
        reject(
          new Error(
            `${what} ended (${describeExit({ code, signal })}) before it was ready\n--- stderr ---\n${stderr().trim()}`,
          ),
        ),
      ),
    )
  })
}

export type CliResult = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout (from a `--json` command) parsed and validated by `schema`. */
  json<S extends z.ZodType>(schema: S): z.output<S>
  /** Returns this result if the command exited 0; otherwise throws with its stderr. */
  ok(): CliResult
}

function dataDirArgs(dataDir: string | null): string[] {
  return dataDir === null ? [] : ['--data-dir', dataDir]
}

/**
 * Runs `hearth <args> --data-dir DIR` (no --data-dir when null) to completion. A non-zero exit is
 * a result, not an error.
 */
export async function cli(
  dataDir: string | null,
  args: readonly string[],
  {
    spawn = localSpawner,
    bin = HEARTH_BIN,
    env = process.env,
    timeoutMs = 60_000,
    onStderr,
  }: ProcessOptions & {
    timeoutMs?: number
    /** Sees stderr so far whenever more arrives, with the process (to signal it, say). */
    onStderr?: (stderr: string, proc: ChildProcess) => void
  } = {},
): Promise<CliResult> {
  const what = `hearth ${[...args, ...dataDirArgs(dataDir)].join(' ')}`
  const proc = spawn(process.execPath, [bin, ...args, ...dataDirArgs(dataDir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  track(proc)
  let stdout = ''
  let stderr = ''
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s))
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s
    onStderr?.(stderr, proc)
  })
  const closed = new Promise<Exit>((resolve, reject) => {
    proc.once('error', (err) => reject(new Error(`${what}: ${err.message}`)))
    proc.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal }),
    )
  })
  const { code, signal } = await withDeadline(closed, timeoutMs, () => {
    proc.kill('SIGKILL')
    return new Error(`${what} did not finish within ${timeoutMs} ms\n--- stderr ---\n${stderr}`)
  })

  const result: CliResult = {
    code,
    signal,
    stdout,
    stderr,
    json(schema) {
      let value: unknown
      try {
        value = JSON.parse(stdout)
      } catch (err) {
        throw new Error(`${what} printed no JSON:\n${stdout}\n--- stderr ---\n${stderr}`, {
          cause: err,
        })
      }
      const parsed = schema.safeParse(value)
      if (!parsed.success) {
        throw new Error(`${what} printed JSON off the contract: ${z.prettifyError(parsed.error)}`)
      }
      return parsed.data
    },
    ok() {
      if (code !== 0) {
        throw new Error(`${what} ended with ${describeExit({ code, signal })}: ${stderr.trim()}`)
      }
      return result
    },
  }
  return result
}
