// Keeps the core host (the process running the peer) alive for the main process: starts it, hands
// it client ports, restarts it with backoff when it dies, reports its status for the UI, and stops
// it gracefully so the peer can flush. Electron's utilityProcess and MessagePortMain come in
// through small interfaces, so the state machine is tested with fakes and no Electron binary.
import type { HostStatus } from '../renderer/platform/desktop-api.ts'
import { FromHost, type ToHost } from './core-host-protocol.ts'
import type { RestartPolicy } from './restart-policy.ts'

export interface ClosablePort {
  close(): void
}

/** One run of the core host (utilityProcess.fork in the app). */
export interface HostProcess<Port extends ClosablePort> {
  postMessage(message: ToHost, transfer?: Port[]): void
  kill(): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number) => void): void
}

export interface SupervisorOptions<Port extends ClosablePort> {
  spawn(): HostProcess<Port>
  policy: RestartPolicy
  setTimer(callback: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
  /** How long a graceful stop may take before the process is killed. */
  stopTimeoutMs: number
  log?(line: string): void
}

/** Ports waiting for the peer; more than this means something is asking in a loop. */
const MAX_QUEUED_PORTS = 32

export class HostSupervisor<Port extends ClosablePort> {
  readonly #o: SupervisorOptions<Port>
  readonly #listeners = new Set<(status: HostStatus) => void>()
  #status: HostStatus = { state: 'starting', restarts: 0 }
  #process: HostProcess<Port> | undefined
  #queued: Port[] = []
  #restartTimer: unknown
  #stopped: Promise<void> | undefined
  #lastError: string | undefined

  constructor(options: SupervisorOptions<Port>) {
    this.#o = options
  }

  get status(): HostStatus {
    return this.#status
  }

  onStatus(listener: (status: HostStatus) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  start(): void {
    if (this.#process || this.#stopped) return
    this.#spawn()
  }

  /**
   * Gives the peer one end of a client's channel. While the peer (re)starts the port waits, and
   * the client's requests simply queue in it; after giving up, a new client is a person asking to
   * try again.
   */
  connect(port: Port): void {
    switch (this.#status.state) {
      case 'running':
        this.#send(port)
        return
      case 'stopping':
        port.close()
        return
      case 'failed':
        this.#queue(port)
        this.#o.policy.reset()
        this.#spawn()
        return
      case 'starting':
      case 'crashed':
        this.#queue(port)
        return
    }
  }

  /** Asks the peer to stop and flush; kills it if it takes longer than stopTimeoutMs. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop()
    return this.#stopped
  }

  async #stop(): Promise<void> {
    if (this.#restartTimer !== undefined) this.#o.clearTimer(this.#restartTimer)
    this.#restartTimer = undefined
    this.#closeQueued()
    const child = this.#process
    this.#setStatus({ state: 'stopping' })
    if (!child) return
    await new Promise<void>((resolve) => {
      const deadline = this.#o.setTimer(() => {
        this.#log(`the peer did not stop within ${this.#o.stopTimeoutMs} ms; killing it`)
        child.kill()
      }, this.#o.stopTimeoutMs)
      child.onExit(() => {
        this.#o.clearTimer(deadline)
        resolve()
      })
      child.postMessage({ type: 'stop' })
    })
  }

  #spawn(): void {
    this.#restartTimer = undefined
    const child = this.#o.spawn()
    this.#process = child
    this.#o.policy.started()
    const { lastError } = this.#status
    this.#setStatus({ state: 'starting', ...(lastError !== undefined && { lastError }) })
    child.onMessage((raw) => this.#onMessage(child, raw))
    child.onExit((code) => this.#onExit(child, code))
  }

  #onMessage(child: HostProcess<Port>, raw: unknown): void {
    if (child !== this.#process) return
    const parsed = FromHost.safeParse(raw)
    if (!parsed.success) {
      this.#log('dropped a message from the core host that is not in its protocol')
      return
    }
    const message = parsed.data
    if (message.type === 'failed') {
      this.#lastError = message.message
      this.#log(`the peer failed: ${message.message}`)
      return
    }
    // 'locked' and then 'ready' both mean the host serves clients: one status change, not two.
    if (this.#status.state === 'stopping' || this.#status.state === 'running') return
    this.#lastError = undefined
    this.#setStatus({ state: 'running' })
    const waiting = this.#queued
    this.#queued = []
    for (const port of waiting) this.#send(port)
  }

  #onExit(child: HostProcess<Port>, code: number): void {
    if (child !== this.#process) return
    this.#process = undefined
    if (this.#stopped) return
    const lastError = this.#lastError ?? `the peer's process exited with code ${code}`
    this.#lastError = undefined
    const decision = this.#o.policy.crashed()
    if (decision.action === 'give-up') {
      this.#log(`giving up after ${decision.attempts} restarts in a row: ${lastError}`)
      this.#closeQueued()
      this.#setStatus({ state: 'failed', lastError })
      return
    }
    this.#log(`${lastError}; restarting in ${decision.delayMs} ms`)
    this.#setStatus({
      state: 'crashed',
      restarts: this.#status.restarts + 1,
      retryInMs: decision.delayMs,
      lastError,
    })
    this.#restartTimer = this.#o.setTimer(() => this.#spawn(), decision.delayMs)
  }

  #send(port: Port): void {
    const child = this.#process
    if (!child) {
      this.#queue(port)
      return
    }
    child.postMessage({ type: 'connect' }, [port])
  }

  #queue(port: Port): void {
    this.#queued.push(port)
    while (this.#queued.length > MAX_QUEUED_PORTS) {
      this.#log('too many clients waiting for the peer; closing the oldest')
      this.#queued.shift()?.close()
    }
  }

  #closeQueued(): void {
    for (const port of this.#queued) port.close()
    this.#queued = []
  }

  #setStatus(next: Partial<HostStatus> & Pick<HostStatus, 'state'>): void {
    // Each status stands on its own: a retry time or an error from an earlier state never lingers.
    this.#status = { restarts: this.#status.restarts, ...next }
    for (const listener of [...this.#listeners]) listener(this.#status)
  }

  #log(line: string): void {
    ;(this.#o.log ?? console.warn)(`hearth: core host: ${line}`)
  }
}
