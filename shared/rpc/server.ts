import { z } from 'zod'
import {
  commands,
  isCommandName,
  type CallContext,
  type CommandName,
  type EventName,
  type EventPayload,
  type Handlers,
} from '../api/contract.ts'
import { HearthError, toErrorPayload } from '../api/errors.ts'
import type { Channel } from './channel.ts'
import {
  MAX_FRAME_CHARS,
  parseJson,
  RequestFrame,
  type EventFrame,
  type ReplyFrame,
} from './frames.ts'

/** Lets the server forward every event the peer emits; returns an unsubscribe function. */
export type Subscribe = (
  emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void,
) => () => void

/** Turns a zod failure into one sentence a person can act on, naming the field. */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0]
  if (!issue) return 'the input is not valid'
  const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
  return `${field}${issue.message}`
}

/**
 * Serves the contract on one channel: validates every request against the command's input schema
 * before a handler sees it, and forwards events until the channel closes.
 */
export function serveApi(channel: Channel, handlers: Handlers, subscribe?: Subscribe): () => void {
  // Every call on this channel shares one context: waits end when the caller goes away.
  const closed = new AbortController()
  const ctx: CallContext = { signal: closed.signal, caller: {} }
  const reply = (frame: ReplyFrame) => {
    try {
      let text = JSON.stringify(frame)
      // A client drops frames over the cap unread, so an oversized reply would leave its call
      // waiting forever: answer with an error it can read instead.
      if (text.length > MAX_FRAME_CHARS) {
        text = JSON.stringify({
          t: 'res',
          id: frame.id,
          ok: false,
          error: {
            code: 'TOO_LARGE',
            message: 'the answer is too large to send at once; ask for less (a smaller limit)',
          },
        } satisfies ReplyFrame)
      }
      channel.send(text)
    } catch (err) {
      // The client went away while we were working; there is nobody left to tell.
      console.warn(`rpc: reply ${frame.id} not delivered: ${String(err)}`)
    }
  }

  const handle = async (text: string) => {
    const frame = RequestFrame.safeParse(parseJson(text))
    if (!frame.success) {
      // Without a request id there is nothing to answer; a client that sends this is broken.
      console.warn('rpc: dropped a frame that is not a request')
      return
    }
    const { id, cmd, input } = frame.data
    try {
      if (!isCommandName(cmd))
        throw new HearthError('UNKNOWN_COMMAND', `there is no command "${cmd}"`)
      const parsed = commands[cmd].input.safeParse(input ?? {})
      if (!parsed.success) throw new HearthError('BAD_INPUT', describeZodError(parsed.error))
      const handler = handlers[cmd] as (input: unknown, ctx: CallContext) => Promise<unknown>
      const output = await handler(parsed.data, ctx)
      reply({ t: 'res', id, ok: true, output })
    } catch (err) {
      reply({ t: 'res', id, ok: false, error: toErrorPayload(err) })
    }
  }

  const offMessage = channel.onMessage((text) => void handle(text))
  const offEvents = subscribe?.((name, payload) => {
    const frame: EventFrame = { t: 'evt', name, payload }
    try {
      channel.send(JSON.stringify(frame))
    } catch (err) {
      console.warn(`rpc: event ${name} not delivered: ${String(err)}`)
    }
  })
  const stop = () => {
    offMessage()
    offEvents?.()
    closed.abort(new HearthError('PEER_STOPPED', 'the caller went away'))
  }
  channel.onClose(stop)
  return stop
}

export type { CommandName }
