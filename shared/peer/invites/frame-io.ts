// Frames of the code exchange: a 2-byte big-endian length, then that many bytes. A fixed-width
// prefix (rather than lpStream's varint) bounds the header itself: a peer sending endless 0xff
// continuation bytes cannot make the reader buffer them. Every read names its own cap, checked
// before the body is read, and carries a deadline.
import { byteStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { HearthError } from '../../api/index.ts'

export const FRAME_HEADER_BYTES = 2
export const MAX_FRAME_BYTES = 0xffff

export interface FrameStream {
  /** Reads one frame of at most `max` bytes; throws on a larger claim, EOF or the signal. */
  read(max: number, signal: AbortSignal): Promise<Uint8Array>
  write(body: Uint8Array, signal: AbortSignal): Promise<void>
}

/**
 * Wraps a stream for framed reads and writes. `maxBuffered` caps what the peer may send ahead of
 * our reads; past it the stream is aborted.
 */
export function frameStream(stream: Stream, maxBuffered: number): FrameStream {
  const bytes = byteStream(stream, { maxBufferSize: maxBuffered })
  return {
    async read(max, signal) {
      const header = await bytes.read({ bytes: FRAME_HEADER_BYTES, signal })
      const length = header.getUint16(0)
      if (length > max) {
        throw new HearthError('TOO_LARGE', `frame of ${length} bytes, at most ${max} expected`)
      }
      if (length === 0) return new Uint8Array(0)
      return (await bytes.read({ bytes: length, signal })).subarray()
    },
    async write(body, signal) {
      if (body.length > MAX_FRAME_BYTES) {
        throw new HearthError('TOO_LARGE', `cannot send a frame of ${body.length} bytes`)
      }
      const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length)
      new DataView(frame.buffer).setUint16(0, body.length)
      frame.set(body, FRAME_HEADER_BYTES)
      await bytes.write(frame, { signal })
    },
  }
}
