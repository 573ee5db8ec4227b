// /hearth/blob/2.0.0 messages. One request per stream (a JSON frame), answered by binary frames,
// every frame length-prefixed as in sync/frames.ts. The reader knows the largest frame it can
// legitimately get (a request, a chunk, a manifest, a small blob) and caps its decoder at that.
//
//   request  {"op":"chunks","groupId","blobId","chunks":[index…]} | {"op":"manifest","groupId","blobId"}
//            | {"op":"blobs","groupId","blobIds":[blobId…]}   (whole blobs of at most one chunk)
//   response u8 type, then:
//     0 REFUSED      nothing (not a member, or the blob is not on that group's shelf: no detail)
//     1 CHUNK        u32 index, the chunk's bytes
//     2 NO_CHUNK     u32 index (we do not hold it)
//     3 MANIFEST     the canonical manifest encoding
//     4 NO_MANIFEST  nothing
//     5 BUSY         nothing (too many streams; ask someone else)
//     6 BLOB         u16 position in blobIds, the blob's canonical manifest (0 or 1 chunk), its bytes
//     7 NO_BLOB      u16 position (not held here whole, larger than one chunk, or not readable)
import { z } from 'zod'
import { GroupId } from '../../api/index.ts'
import { varintLength, writeVarint } from '../sync/frames.ts'
import {
  CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_MANIFEST_BYTES,
  MAX_SMALL_MANIFEST_BYTES,
  MANIFEST_HEADER_BYTES,
  isHexHash,
} from './manifest.ts'

// 2.0.0: the `blobs` request and the BLOB / NO_BLOB frames (a 1.0.0 server would strike a peer
// for an op it does not know).
export const BLOB_PROTOCOL = '/hearth/blob/2.0.0'

export const FRAME_REFUSED = 0
export const FRAME_CHUNK = 1
export const FRAME_NO_CHUNK = 2
export const FRAME_MANIFEST = 3
export const FRAME_NO_MANIFEST = 4
export const FRAME_BUSY = 5
export const FRAME_BLOB = 6
export const FRAME_NO_BLOB = 7

/** Indexes one request may name: the fetcher's per-stream window, with room to grow. */
export const MAX_CHUNKS_PER_REQUEST = 64
/** Whole small blobs one request may name. */
export const MAX_BLOBS_PER_REQUEST = 32
/** Room for MAX_BLOBS_PER_REQUEST blob ids (67 bytes each in JSON) and the rest of a request. */
export const MAX_REQUEST_BYTES = 4096
export const MAX_CHUNK_FRAME_BYTES = 1 + 4 + CHUNK_SIZE
/** A BLOB frame: type, position, the manifest of a one-chunk blob, the chunk. */
export const MAX_BLOB_FRAME_BYTES = 1 + 2 + MAX_SMALL_MANIFEST_BYTES + CHUNK_SIZE
export const MAX_MANIFEST_FRAME_BYTES = 1 + MAX_MANIFEST_BYTES

/** The peer broke the protocol: close the stream and strike it. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

const BlobId = z.string().refine(isHexHash, 'not a blob id')

const BlobRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('chunks'),
    groupId: GroupId,
    blobId: BlobId,
    chunks: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(MAX_CHUNKS - 1),
      )
      .min(1)
      .max(MAX_CHUNKS_PER_REQUEST)
      .refine((list) => new Set(list).size === list.length, 'repeated chunk index'),
  }),
  z.strictObject({ op: z.literal('manifest'), groupId: GroupId, blobId: BlobId }),
  z.strictObject({
    op: z.literal('blobs'),
    groupId: GroupId,
    blobIds: z
      .array(BlobId)
      .min(1)
      .max(MAX_BLOBS_PER_REQUEST)
      .refine((list) => new Set(list).size === list.length, 'repeated blob id'),
  }),
])
export type BlobRequest = z.infer<typeof BlobRequestSchema>

export type BlobResponse =
  | { type: typeof FRAME_REFUSED }
  | { type: typeof FRAME_CHUNK; index: number; bytes: Uint8Array }
  | { type: typeof FRAME_NO_CHUNK; index: number }
  | { type: typeof FRAME_MANIFEST; bytes: Uint8Array }
  | { type: typeof FRAME_NO_MANIFEST }
  | { type: typeof FRAME_BUSY }
  | { type: typeof FRAME_BLOB; position: number; manifest: Uint8Array; bytes: Uint8Array }
  | { type: typeof FRAME_NO_BLOB; position: number }

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** The request's frame payload (not yet length-prefixed). */
export function writeRequest(request: BlobRequest): Uint8Array {
  const payload = utf8.encode(JSON.stringify(BlobRequestSchema.parse(request)))
  if (payload.length > MAX_REQUEST_BYTES) throw new RangeError('request too large')
  return payload
}

export function readRequest(payload: Uint8Array): BlobRequest {
  let json: unknown
  try {
    json = JSON.parse(utf8Strict.decode(payload))
  } catch (err) {
    throw new ProtocolError(`request is not JSON: ${String(err)}`)
  }
  const parsed = BlobRequestSchema.safeParse(json)
  if (!parsed.success) throw new ProtocolError(`bad request: ${parsed.error.issues[0]?.message}`)
  return parsed.data
}

/**
 * The start of a CHUNK frame for `length` bytes of chunk: length prefix, type and index. The
 * chunk's bytes follow as they are, so a 1 MiB chunk is never copied into a frame.
 */
export function chunkFrameHead(index: number, length: number): Uint8Array {
  const bodyLength = 5 + length
  const prefix = varintLength(bodyLength)
  const out = new Uint8Array(prefix + 5)
  writeVarint(bodyLength, out, 0)
  out[prefix] = FRAME_CHUNK
  new DataView(out.buffer).setUint32(prefix + 1, index)
  return out
}

/**
 * The start of a BLOB frame: length prefix, type, position and manifest; the blob's `length`
 * bytes follow as they are.
 */
export function blobFrameHead(position: number, manifest: Uint8Array, length: number): Uint8Array {
  const bodyLength = 3 + manifest.length + length
  const prefix = varintLength(bodyLength)
  const out = new Uint8Array(prefix + 3 + manifest.length)
  writeVarint(bodyLength, out, 0)
  out[prefix] = FRAME_BLOB
  new DataView(out.buffer).setUint16(prefix + 1, position)
  out.set(manifest, prefix + 3)
  return out
}

/** The payload of every response frame but CHUNK and BLOB. */
export function writeResponse(
  response: Exclude<BlobResponse, { type: typeof FRAME_CHUNK | typeof FRAME_BLOB }>,
): Uint8Array {
  switch (response.type) {
    case FRAME_NO_BLOB: {
      const out = new Uint8Array(3)
      out[0] = FRAME_NO_BLOB
      new DataView(out.buffer).setUint16(1, response.position)
      return out
    }
    case FRAME_NO_CHUNK: {
      const out = new Uint8Array(5)
      out[0] = FRAME_NO_CHUNK
      new DataView(out.buffer).setUint32(1, response.index)
      return out
    }
    case FRAME_MANIFEST: {
      const out = new Uint8Array(1 + response.bytes.length)
      out[0] = FRAME_MANIFEST
      out.set(response.bytes, 1)
      return out
    }
    default:
      return Uint8Array.of(response.type)
  }
}

export function readResponse(payload: Uint8Array): BlobResponse {
  const type = payload[0]
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  switch (type) {
    case FRAME_REFUSED:
    case FRAME_NO_MANIFEST:
    case FRAME_BUSY:
      if (payload.length !== 1) throw new ProtocolError(`frame type ${type} carries a body`)
      return { type }
    case FRAME_CHUNK:
      if (payload.length < 5) throw new ProtocolError('chunk frame too short')
      return { type, index: view.getUint32(1), bytes: payload.subarray(5) }
    case FRAME_NO_CHUNK:
      if (payload.length !== 5) throw new ProtocolError('no-chunk frame of the wrong length')
      return { type, index: view.getUint32(1) }
    case FRAME_MANIFEST:
      return { type, bytes: payload.subarray(1) }
    case FRAME_BLOB: {
      // The manifest's length follows from its chunk count, which may only be 0 or 1 here.
      if (payload.length < 3 + MANIFEST_HEADER_BYTES)
        throw new ProtocolError('blob frame too short')
      const count = view.getUint32(3 + MANIFEST_HEADER_BYTES - 4)
      if (count > 1) throw new ProtocolError('blob frame for a blob of more than one chunk')
      const end = 3 + MANIFEST_HEADER_BYTES + count * 32
      if (payload.length < end) throw new ProtocolError('blob frame too short')
      return {
        type,
        position: view.getUint16(1),
        manifest: payload.subarray(3, end),
        bytes: payload.subarray(end),
      }
    }
    case FRAME_NO_BLOB:
      if (payload.length !== 3) throw new ProtocolError('no-blob frame of the wrong length')
      return { type, position: view.getUint16(1) }
    default:
      throw new ProtocolError(`unknown frame type ${String(type)}`)
  }
}
