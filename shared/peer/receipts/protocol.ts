// `/hearth/receipts/1.0.0`: members push each other read markers. One frame per stream, from the
// side that opened it; no reply. A peer pushes every marker of the groups it shares with a member
// when they connect, its own marker when it moves, and every marker it accepted from one member
// to the other connected members of that group (so members that never meet directly converge).
// The membership gate runs before anything is read or written: a stream from a peer that shares
// no group with us is aborted unread, and markers of a group go only to its members.
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { z } from 'zod'
import { sendAll } from '../back-pressure.ts'
import { FrameError, encodeFrame, readOneFrame } from '../sync/frames.ts'
import type { ReceiptBook } from './book.ts'
import { ReadMarker } from './marker.ts'

export const RECEIPTS_PROTOCOL = '/hearth/receipts/1.0.0'
/** 64 markers of about 250 bytes of JSON each, with room to spare. */
export const MAX_RECEIPTS_FRAME = 32 * 1024
export const MAX_MARKERS_PER_FRAME = 64
const TIMEOUT_MS = 10_000
const STREAMS_PER_CONNECTION = 4

const ReceiptsFrame = z.strictObject({
  v: z.literal(1),
  markers: z.array(ReadMarker).min(1).max(MAX_MARKERS_PER_FRAME),
})

export interface ReceiptsHost {
  /** Groups where both we and `peerId` are members, in our view. */
  groupsSharedWith(peerId: string): string[]
  isMember(groupId: string, peerId: string): boolean
  /** Peers we have a connection to. */
  connected(): PeerId[]
  onStrike(peerId: string, reason: string): void
  /** The markers that count in the group changed. */
  onChanged(groupId: string): void
}

class MalformedReceipts extends Error {
  override name = 'MalformedReceipts'
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

export class ReceiptsProtocol {
  readonly #libp2p: Libp2p
  readonly #book: ReceiptBook
  readonly #host: ReceiptsHost
  /** Pushes to one peer go one after another, so they never exceed its stream limit. */
  readonly #queues = new Map<string, Promise<void>>()

  constructor(libp2p: Libp2p, book: ReceiptBook, host: ReceiptsHost) {
    this.#libp2p = libp2p
    this.#book = book
    this.#host = host
  }

  async start(): Promise<void> {
    await this.#libp2p.handle(
      RECEIPTS_PROTOCOL,
      (stream, connection) => this.#onStream(stream, connection.remotePeer.toString()),
      { maxInboundStreams: STREAMS_PER_CONNECTION, maxOutboundStreams: STREAMS_PER_CONNECTION },
    )
  }

  /** Our own marker moved: every connected member of the group hears of it. */
  published(marker: ReadMarker): void {
    this.#spread(marker.group, [marker], undefined)
  }

  /** Sends `peer` every marker of every group we share with it (on connect, and on joining). */
  shareWith(peer: PeerId): void {
    const key = peer.toString()
    const markers = this.#host.groupsSharedWith(key).flatMap((g) => this.#book.markers(g))
    this.#push(peer, markers)
  }

  /** Sends the group's markers to each connected member (its membership changed). */
  shareGroup(groupId: string): void {
    this.#spread(groupId, this.#book.markers(groupId), undefined)
  }

  async #onStream(stream: Stream, from: string): Promise<void> {
    // Nothing is read from a peer that shares no group with us.
    if (this.#host.groupsSharedWith(from).length === 0) {
      stream.abort(new Error('no shared group'))
      return
    }
    try {
      const frame = await readOneFrame(stream, MAX_RECEIPTS_FRAME, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      const parsed = ReceiptsFrame.safeParse(parseJson(frame))
      if (!parsed.success) throw new MalformedReceipts('not a receipts frame')
      const { byGroup, forged } = this.#book.accept(from, parsed.data.markers)
      if (forged > 0) this.#host.onStrike(from, `${forged} read marker(s) with a bad signature`)
      for (const [groupId, markers] of byGroup) {
        this.#spread(groupId, markers, from)
        this.#host.onChanged(groupId)
      }
      await stream.close()
    } catch (err) {
      // A connection dropping mid-frame is not misbehaviour; content that breaks the rules is.
      if (
        err instanceof MalformedReceipts ||
        (err instanceof FrameError && !err.message.startsWith('stream closed'))
      ) {
        this.#host.onStrike(from, `bad receipts: ${err.message}`)
      }
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** To every connected member of the group but `except`, and not back to a marker's reader. */
  #spread(groupId: string, markers: ReadMarker[], except: string | undefined): void {
    if (markers.length === 0) return
    for (const peer of this.#host.connected()) {
      const key = peer.toString()
      if (key === except || !this.#host.isMember(groupId, key)) continue
      this.#push(
        peer,
        markers.filter((m) => m.reader !== key),
      )
    }
  }

  #push(peer: PeerId, markers: ReadMarker[]): void {
    if (markers.length === 0) return
    const key = peer.toString()
    const previous = this.#queues.get(key) ?? Promise.resolve()
    const next = previous.then(() => this.#send(peer, markers))
    this.#queues.set(key, next)
    next.then(
      () => {
        if (this.#queues.get(key) === next) this.#queues.delete(key)
      },
      () => {},
    )
  }

  async #send(peer: PeerId, markers: ReadMarker[]): Promise<void> {
    try {
      for (let i = 0; i < markers.length; i += MAX_MARKERS_PER_FRAME) {
        // Checked again at send time: membership may have changed while this waited its turn.
        const key = peer.toString()
        const batch = markers
          .slice(i, i + MAX_MARKERS_PER_FRAME)
          .filter((m) => this.#host.isMember(m.group, key))
        if (batch.length === 0) continue
        const body = utf8.encode(JSON.stringify({ v: 1, markers: batch }))
        const signal = AbortSignal.timeout(TIMEOUT_MS)
        const stream = await this.#libp2p.dialProtocol(peer, RECEIPTS_PROTOCOL, { signal })
        await sendAll(stream, encodeFrame(body), { signal })
        await stream.close({ signal })
      }
    } catch (err) {
      // The peer went away or runs a Hearth without receipts; it gets every marker on reconnect.
      console.warn(`hearth: could not send read markers to ${peer.toString()}: ${String(err)}`)
    }
  }
}

function parseJson(frame: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Strict.decode(frame))
  } catch (err) {
    throw new MalformedReceipts(
      `not UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`,
    )
  }
}
