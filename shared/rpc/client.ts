import {
  isEventName,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type EventName,
  type EventPayload,
} from '../api/contract.ts'
import { HearthError } from '../api/errors.ts'
import { Listeners, type Channel } from './channel.ts'
import { parseJson, ServerFrame } from './frames.ts'

export interface ApiClient {
  call<K extends CommandName>(cmd: K, input: CommandInput<K>): Promise<CommandOutput<K>>
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void
  /** Resolves when the channel closes (the peer stopped or the connection dropped). */
  readonly closed: Promise<void>
  close(): void
}

export interface ClientOptions {
  /** A command with no reply after this long fails with TIMEOUT. 0 waits forever. */
  timeoutMs?: number
}

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
  timer: unknown
}

export function createClient(channel: Channel, options: ClientOptions = {}): ApiClient {
  const timeoutMs = options.timeoutMs ?? 0
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, Listeners<[unknown]>>()
  let nextId = 1
  let isClosed = false
  let markClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => (markClosed = resolve))

  channel.onMessage((text) => {
    const frame = ServerFrame.safeParse(parseJson(text))
    if (!frame.success) {
      console.warn('rpc: dropped a frame the peer should not have sent')
      return
    }
    const msg = frame.data
    if (msg.t === 'evt') {
      // Events are validated by the peer when emitted; unknown names come from newer peers.
      if (isEventName(msg.name)) listeners.get(msg.name)?.emit(msg.payload)
      return
    }
    const waiting = pending.get(msg.id)
    if (!waiting) return
    pending.delete(msg.id)
    if (waiting.timer !== undefined) clearTimeout(waiting.timer)
    if (msg.ok) waiting.resolve(msg.output)
    else waiting.reject(new HearthError(msg.error.code, msg.error.message))
  })

  channel.onClose(() => {
    isClosed = true
    for (const [, waiting] of pending) {
      if (waiting.timer !== undefined) clearTimeout(waiting.timer)
      waiting.reject(new HearthError('PEER_STOPPED', 'the connection to the peer closed'))
    }
    pending.clear()
    markClosed()
  })

  return {
    call(cmd, input) {
      if (isClosed) {
        return Promise.reject(new HearthError('PEER_STOPPED', 'the connection to the peer closed'))
      }
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer =
          timeoutMs > 0
            ? setTimeout(() => {
                pending.delete(id)
                reject(new HearthError('TIMEOUT', `the peer did not answer ${cmd} in time`))
              }, timeoutMs)
            : undefined
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
        try {
          channel.send(JSON.stringify({ t: 'req', id, cmd, input }))
        } catch (err) {
          pending.delete(id)
          if (timer !== undefined) clearTimeout(timer)
          reject(new HearthError('PEER_STOPPED', String(err instanceof Error ? err.message : err)))
        }
      })
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Listeners<[unknown]>()))
      return set.add(listener as (payload: unknown) => void)
    },
    closed,
    close: () => channel.close(),
  }
}
