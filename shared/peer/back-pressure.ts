// Writing to a libp2p stream without queueing more than it can take. The rule: after `send()`
// returns false, wait until the stream's own write queue is empty ('idle', or writeBufferLength
// 0), not for 'drain' or `onDrain()`. In @libp2p/utils 7 both lie for a yamux stream: the
// muxer forwards every 'drain' of the connection underneath (the encrypter's socket took its
// bytes) to every stream, also to one still waiting for its peer's window, and `onDrain()`
// keeps the promise that first resolved, so from then on it resolves at once. A sender that
// trusted them queued a whole request in memory for a reader that had stopped reading. Which
// encrypter only changed how soon the first connection 'drain' came (TLS's socket signals it
// within the first window, so it showed there first); see docs/ARCHITECTURE.md.
import type { AbortOptions, MessageStream } from '@libp2p/interface'

/** What back-pressure needs of a stream. */
export type SendingStream = Pick<
  MessageStream,
  'send' | 'writeBufferLength' | 'status' | 'addEventListener' | 'removeEventListener'
>

/**
 * Sends `data` and resolves once the stream has handed all of it to the muxer (its peer's window
 * let it go), so at most one send's bytes wait in this stream's queue. Rejects if the stream
 * closes first or the signal fires; the caller aborts the stream then.
 */
export async function sendAll(
  stream: SendingStream,
  data: Parameters<MessageStream['send']>[0],
  options?: AbortOptions,
): Promise<void> {
  if (stream.send(data)) return
  await untilSent(stream, options)
}

/** Resolves once nothing waits in the stream's write queue. */
export async function untilSent(stream: SendingStream, options?: AbortOptions): Promise<void> {
  const signal = options?.signal
  signal?.throwIfAborted()
  if (stream.writeBufferLength === 0) return
  if (stream.status !== 'open' && stream.status !== 'closing') {
    throw new Error(`stream ${stream.status} with bytes unsent`)
  }
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('idle', onIdle)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onIdle = (): void => {
      // 'idle' also fires when an abort throws the queue away; that is not "sent".
      if (stream.status !== 'open' && stream.status !== 'closing') return
      cleanup()
      resolve()
    }
    const onClose = (evt: { error?: Error }): void => {
      cleanup()
      reject(evt.error ?? new Error('stream closed with bytes unsent'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
    }
    stream.addEventListener('idle', onIdle)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
