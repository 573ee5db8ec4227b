// A private LAN for tests: one network namespace per host and one holding a bridge, wired with
// veth pairs. Every link is created directly inside our own namespaces, never in the root one, so
// a run touches no real interface and deleting the namespaces removes every link it made.
import {
  execFile,
  spawn as spawnChild,
  spawnSync,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process'
import { promisify } from 'node:util'
import { z } from 'zod'
import { onAbruptExit } from './abrupt-exit.ts'
import { exited, type Spawner } from './spawner.ts'
import { until } from './until.ts'

// A name is `hth` + owner pid (5 base36 digits) + a per-process counter (2) + `b` or `h<N>`: at
// most 13 characters (Linux caps interface names at 15), unique across concurrent test processes
// without coordination, and it tells cleanupStale which process owns the namespace.
const NAME = /^hth([0-9a-z]{5})([0-9a-z]{2})(?:b|h[1-9][0-9]?)$/
const PREFIX = 'hth'
const MAX_HOSTS = 99
const BRIDGE = 'br0'
const HOST_IF = 'eth0'

export type LanHost = { readonly name: string; readonly ns: string; readonly ip: string }
/** A host, or its name (`h1`, `h2`, …). */
export type HostRef = LanHost | string

export type ExecResult = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export type Lan = {
  /** The name prefix shared by every namespace of this LAN. */
  readonly id: string
  readonly hosts: readonly LanHost[]
  host(ref: HostRef): LanHost
  /** Runs a command inside the host's namespace to completion; a non-zero exit is a result. */
  exec(
    host: HostRef,
    command: string,
    args: readonly string[],
    options?: { timeoutMs?: number },
  ): Promise<ExecResult>
  /** Starts a command inside the host's namespace; destroy() kills it if it still runs. */
  spawn(
    host: HostRef,
    command: string,
    args: readonly string[],
    options?: SpawnOptions,
  ): ChildProcess
  /** The same as spawn, in the shape the process helpers take (proc.ts). */
  spawner(host: HostRef): Spawner
  /** Unplugs the host: its bridge port goes down and it loses carrier. */
  cut(host: HostRef): Promise<void>
  /** Plugs the host back in; resolves once its port forwards again. */
  heal(host: HostRef): Promise<void>
  /** Kills every process started in this LAN and deletes its namespaces. Idempotent. */
  destroy(): Promise<void>
}

const execFileAsync = promisify(execFile)
const live = new Map<string, NetnsLan>()
let lanCounter = 0

async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('ip', args, { encoding: 'utf8' })
    return stdout
  } catch (err) {
    throw new Error(`ip ${args.join(' ')} failed: ${stderrOf(err)}`, { cause: err })
  }
}

function stderrOf(err: unknown): string {
  if (err instanceof Error && 'stderr' in err && typeof err.stderr === 'string' && err.stderr) {
    return err.stderr.trim()
  }
  return err instanceof Error ? err.message : String(err)
}

const NetnsList = z.array(z.object({ name: z.string() }))

async function listNamespaces(): Promise<string[]> {
  const out = (await ip(['-j', 'netns', 'list'])).trim()
  return out ? NetnsList.parse(JSON.parse(out)).map((n) => n.name) : []
}

/** The processes inside `ns`; none once the namespace is gone. */
async function namespacePids(ns: string): Promise<number[]> {
  let out: string
  try {
    out = await ip(['netns', 'pids', ns])
  } catch (err) {
    // Another test process's cleanupStale may have removed the same stale namespace meanwhile.
    if (!(await listNamespaces()).includes(ns)) return []
    throw err
  }
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
}

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (err) {
    // ESRCH: it exited between listing and killing, which is what we wanted.
    if (!(err instanceof Error && 'code' in err && err.code === 'ESRCH')) throw err
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ESRCH') return false
    if (err instanceof Error && 'code' in err && err.code === 'EPERM') return true
    throw err
  }
}

/**
 * Kills what still runs inside `ns` (a namespace outlives its name while a process holds it),
 * then deletes it. Returns false if it was already gone: another test process's cleanupStale may
 * race us for the same stale namespace.
 */
async function removeNamespace(ns: string): Promise<boolean> {
  if (!(await listNamespaces()).includes(ns)) return false
  const pids = await namespacePids(ns)
  for (const pid of pids) killHard(pid)
  if (pids.length > 0) {
    await until(async () => (await namespacePids(ns)).length === 0, {
      what: `every process in namespace ${ns} has exited`,
      timeoutMs: 10_000,
      intervalMs: 50,
    })
  }
  try {
    await ip(['netns', 'del', ns])
    return true
  } catch (err) {
    if ((await listNamespaces()).includes(ns)) throw err
    return false
  }
}

function nextId(): string {
  if (lanCounter >= 36 ** 2) throw new Error('too many LANs created by one process')
  const pid = process.pid.toString(36).padStart(5, '0')
  const counter = (lanCounter++).toString(36).padStart(2, '0')
  return `${PREFIX}${pid}${counter}`
}

const BridgePort = z.array(
  z.object({ linkinfo: z.object({ info_slave_data: z.object({ state: z.string() }) }) }),
)
const Interface = z.array(z.object({ operstate: z.string() }))

class NetnsLan implements Lan {
  readonly id: string
  readonly hosts: readonly LanHost[]
  readonly #bridgeNs: string
  readonly #ports = new Map<string, string>()
  readonly #children = new Set<ChildProcess>()
  #destroying = false
  #destroyed: Promise<void> | undefined

  constructor(id: string, hostCount: number, prefix: string) {
    this.id = id
    this.#bridgeNs = `${id}b`
    const hosts: LanHost[] = []
    for (let i = 1; i <= hostCount; i++) {
      const host = { name: `h${i}`, ns: `${id}h${i}`, ip: `${prefix}.${i}` }
      hosts.push(host)
      this.#ports.set(host.name, `p${i}`)
    }
    this.hosts = hosts
  }

  async build(): Promise<void> {
    const br = this.#bridgeNs
    await ip(['netns', 'add', br])
    await ip(['-n', br, 'link', 'set', 'lo', 'up'])
    // No IGMP querier lives on this LAN, so snooping is off and the bridge floods multicast the
    // way a home switch does; mDNS must not depend on the kernel's snooping heuristics.
    await ip(['-n', br, 'link', 'add', BRIDGE, 'type', 'bridge', 'mcast_snooping', '0'])
    await ip(['-n', br, 'link', 'set', BRIDGE, 'up'])
    for (const host of this.hosts) {
      const port = this.#port(host)
      await ip(['netns', 'add', host.ns])
      await ip(['-n', host.ns, 'link', 'set', 'lo', 'up'])
      await ip([
        '-n',
        br,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        HOST_IF,
        'netns',
        host.ns,
      ])
      await ip(['-n', br, 'link', 'set', port, 'master', BRIDGE])
      await ip(['-n', br, 'link', 'set', port, 'up'])
      await ip(['-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', HOST_IF])
      await ip(['-n', host.ns, 'link', 'set', HOST_IF, 'multicast', 'on', 'up'])
      // The LAN has no gateway: without this route, joining or sending to 224.0.0.251 fails.
      await ip(['-n', host.ns, 'route', 'add', '224.0.0.0/4', 'dev', HOST_IF])
    }
    await Promise.all(this.hosts.map((h) => this.#waitForLink(h, true)))
  }

  host(ref: HostRef): LanHost {
    const name = typeof ref === 'string' ? ref : ref.name
    const host = this.hosts.find((h) => h.name === name)
    if (!host) throw new Error(`LAN ${this.id} has no host ${name}`)
    return host
  }

  spawn(
    ref: HostRef,
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): ChildProcess {
    if (this.#destroying)
      throw new Error(`LAN ${this.id} is being destroyed; not starting ${command}`)
    // `ip netns exec` execs the command in place, so the child's pid is the command's own and
    // signals reach it directly.
    const child = spawnChild('ip', ['netns', 'exec', this.host(ref).ns, command, ...args], options)
    this.#children.add(child)
    void exited(child).then(() => this.#children.delete(child))
    return child
  }

  spawner(ref: HostRef): Spawner {
    const host = this.host(ref)
    return (command, args, options) => this.spawn(host, command, args, options)
  }

  async exec(
    ref: HostRef,
    command: string,
    args: readonly string[],
    { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const host = this.host(ref)
    const child = this.spawn(host, command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    try {
      const { code, signal } = await new Promise<{
        code: number | null
        signal: NodeJS.Signals | null
      }>((resolve, reject) => {
        child.once('error', reject)
        child.once('close', (code, signal) => resolve({ code, signal }))
      })
      if (timedOut) {
        throw new Error(
          `${command} ${args.join(' ')} on ${host.name} did not finish within ${timeoutMs} ms`,
        )
      }
      return { code, signal, stdout, stderr }
    } finally {
      clearTimeout(timer)
    }
  }

  async cut(ref: HostRef): Promise<void> {
    const host = this.host(ref)
    await ip(['-n', this.#bridgeNs, 'link', 'set', this.#port(host), 'down'])
    await this.#waitForLink(host, false)
  }

  async heal(ref: HostRef): Promise<void> {
    const host = this.host(ref)
    await ip(['-n', this.#bridgeNs, 'link', 'set', this.#port(host), 'up'])
    await this.#waitForLink(host, true)
  }

  destroy(): Promise<void> {
    this.#destroyed ??= this.#teardown().catch((err: unknown) => {
      this.#destroyed = undefined
      throw err
    })
    return this.#destroyed
  }

  /** Last resort when the process ends abruptly, where nothing asynchronous runs any more. */
  destroyNow(): void {
    for (const child of this.#children) child.kill('SIGKILL')
    for (const ns of this.#namespaces()) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      for (const pid of (pids.stdout ?? '').split('\n').filter(Boolean)) killHard(Number(pid))
      const del = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' })
      if (del.status !== 0 && !/No such file/.test(del.stderr ?? '')) {
        console.error(`netns: could not delete ${ns} at exit: ${del.stderr}`)
      }
    }
  }

  async #teardown(): Promise<void> {
    this.#destroying = true
    const children = [...this.#children]
    for (const child of children) child.kill('SIGKILL')
    await Promise.all(children.map(exited))
    for (const ns of this.#namespaces()) await removeNamespace(ns)
    live.delete(this.id)
  }

  #namespaces(): string[] {
    return [...this.hosts.map((h) => h.ns), this.#bridgeNs]
  }

  #port(host: LanHost): string {
    const port = this.#ports.get(host.name)
    if (!port) throw new Error(`LAN ${this.id} has no port for ${host.name}`)
    return port
  }

  // Carrier changes reach the bridge and the host through the kernel's link watcher, after
  // `ip link set` has returned; wait until both ends agree.
  async #waitForLink(host: LanHost, up: boolean): Promise<void> {
    const port = this.#port(host)
    await until(
      async () => {
        const [p] = BridgePort.parse(
          JSON.parse(await ip(['-j', '-d', '-n', this.#bridgeNs, 'link', 'show', 'dev', port])),
        )
        const [i] = Interface.parse(
          JSON.parse(await ip(['-j', '-n', host.ns, 'link', 'show', 'dev', HOST_IF])),
        )
        const portState = p?.linkinfo.info_slave_data.state
        return up
          ? portState === 'forwarding' && i?.operstate === 'UP'
          : portState === 'disabled' && i?.operstate !== 'UP'
      },
      { what: `${host.name}'s link is ${up ? 'up' : 'down'}`, timeoutMs: 10_000, intervalMs: 20 },
    )
  }
}

export type LanOptions = {
  hosts: number
  /** The first three octets of the LAN's /24; host N gets `<prefix>.N`. */
  prefix?: string
}

/** Builds a fresh LAN. Call destroy() in an `after` hook, even when a test fails. */
export async function createLan({ hosts, prefix = '10.231.0' }: LanOptions): Promise<Lan> {
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
    throw new Error(`a LAN has 1 to ${MAX_HOSTS} hosts, not ${hosts}`)
  }
  const octets = prefix.split('.')
  if (octets.length !== 3 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
    throw new Error(`prefix must be three octets such as 10.231.0, not ${prefix}`)
  }
  const id = nextId()
  // Our ids never repeat within a process, so a namespace already carrying this id was left by a
  // crashed process that had the same pid.
  for (const ns of await listNamespaces()) if (ns.startsWith(id)) await removeNamespace(ns)
  const lan = new NetnsLan(id, hosts, prefix)
  live.set(id, lan)
  try {
    await lan.build()
  } catch (err) {
    try {
      await lan.destroy()
    } catch (cleanupErr) {
      throw new AggregateError([err, cleanupErr], `building LAN ${id} failed, and so did cleanup`, {
        cause: cleanupErr,
      })
    }
    throw err
  }
  return lan
}

/**
 * Removes namespaces left by test processes that died without cleaning up (only ours: the `hth`
 * prefix, and only when the owning process is gone). Returns the names removed.
 */
export async function cleanupStale(): Promise<string[]> {
  const removed: string[] = []
  for (const ns of await listNamespaces()) {
    const match = NAME.exec(ns)
    if (!match?.[1]) continue
    const owner = parseInt(match[1], 36)
    const stillOwned = owner === process.pid ? live.has(ns.slice(0, 10)) : isAlive(owner)
    if (stillOwned) continue
    if (await removeNamespace(ns)) removed.push(ns)
  }
  return removed
}

let availability: { ok: boolean; reason?: string } | undefined

/** Whether this machine can build a LAN; tests `skip` with the reason when it cannot. */
export function lanAvailable(): { ok: boolean; reason?: string } {
  availability ??= probeAvailability()
  return availability
}

function probeAvailability(): { ok: boolean; reason?: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'LAN tests need Linux namespaces' }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'LAN tests need root (netns, veth)' }
  const version = spawnSync('ip', ['-V'], { encoding: 'utf8' })
  if (version.error || version.status !== 0) {
    return { ok: false, reason: 'LAN tests need iproute2 (`ip` was not found)' }
  }
  // Root in a container may still lack CAP_NET_ADMIN or the bridge/veth drivers: try for real.
  const ns = `${nextId()}b`
  const steps = [
    ['netns', 'add', ns],
    ['-n', ns, 'link', 'add', 'probe0', 'type', 'bridge'],
    ['-n', ns, 'link', 'add', 'probe1', 'type', 'veth', 'peer', 'name', 'probe2'],
  ]
  let reason: string | undefined
  for (const step of steps) {
    const run = spawnSync('ip', step, { encoding: 'utf8' })
    if (run.status !== 0) {
      reason = `LAN tests cannot run here: ip ${step.join(' ')}: ${run.stderr.trim()}`
      break
    }
  }
  spawnSync('ip', ['netns', 'del', ns])
  return reason ? { ok: false, reason } : { ok: true }
}

onAbruptExit(() => {
  for (const lan of live.values()) lan.destroyNow()
})
