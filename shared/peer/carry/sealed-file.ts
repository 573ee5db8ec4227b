// A sealed file: a plaintext header, then a stream of AEAD segments carrying typed records. It is
// how backups and bundles are written and read, with flat memory for any size: the writer holds
// one segment, the reader one segment plus the record being read.
//
//   header (its own format) | segment… | last segment
//   segment = u32 BE (bit 31: last; bits 0–30: sealed length) | AES-256-GCM(plain ≤ 64 KiB) | tag
//   nonce of segment i = u64 BE i ‖ u24 0 ‖ u8 (1 if last)        AAD = SHA-256(header)
//   records (across segment borders) = u8 type | u32 BE length | bytes
//
// Reordering, dropping or repeating segments breaks a nonce, cutting the file short leaves it
// without a last segment, anything after the last segment is refused, and a changed header
// changes the AAD of every segment: each ends in a SealedFileError, never in wrong plaintext.
import { randomBytes } from 'node:crypto'
import { open as openFile } from 'node:fs/promises'
import path from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import type { z } from 'zod'
import { HearthError } from '../../api/index.ts'
import { fsyncDir, lstatOrNull, placeFile, readFull, removeQuietly } from '../shelves/durable.ts'
import { digest, NONCE_BYTES, open, seal, TAG_BYTES } from './seal.ts'

export const SEGMENT_BYTES = 64 * 1024
const LAST = 0x8000_0000
const MAX_SEALED = SEGMENT_BYTES + TAG_BYTES
const RECORD_HEAD = 5

/** Why a sealed file could not be read: cut short, or bytes that do not authenticate. */
export class SealedFileError extends Error {
  readonly kind: 'truncated' | 'damaged'
  constructor(kind: 'truncated' | 'damaged', message: string) {
    super(message)
    this.name = 'SealedFileError'
    this.kind = kind
  }
}

function nonceFor(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES)
  new DataView(nonce.buffer).setBigUint64(0, BigInt(index))
  nonce[NONCE_BYTES - 1] = last ? 1 : 0
  return nonce
}

export interface WriteOptions {
  /** Replace a file already at the destination (only once the new one is complete). */
  replace?: boolean
}

/**
 * Writes a sealed file beside its destination (a hidden temp file), fsyncs it and renames it
 * into place: whoever looks at the destination sees the old file or the whole new one.
 */
export class SealedFileWriter {
  readonly dest: string
  readonly #tmp: string
  readonly #handle: FileHandle
  readonly #key: Uint8Array
  readonly #aad: Uint8Array
  readonly #replace: boolean
  readonly #plain = Buffer.alloc(SEGMENT_BYTES)
  #filled = 0
  #index = 0
  #bytes = 0
  #done = false

  private constructor(
    dest: string,
    tmp: string,
    handle: FileHandle,
    key: Uint8Array,
    header: Uint8Array,
    replace: boolean,
  ) {
    this.dest = dest
    this.#tmp = tmp
    this.#handle = handle
    this.#key = key
    this.#aad = digest(header)
    this.#replace = replace
  }

  static async create(
    dest: string,
    header: Uint8Array,
    key: Uint8Array,
    options: WriteOptions = {},
  ): Promise<SealedFileWriter> {
    const file = path.resolve(dest)
    await checkDestination(file, options.replace === true)
    const tmp = path.join(path.dirname(file), `.${randomBytes(8).toString('hex')}.hearth-part`)
    let handle: FileHandle
    try {
      handle = await openFile(tmp, 'wx', 0o600)
    } catch (err) {
      throw cannotWrite(file, err)
    }
    const writer = new SealedFileWriter(file, tmp, handle, key, header, options.replace === true)
    try {
      await writer.#write(header)
    } catch (err) {
      await writer.abort(err)
      throw cannotWrite(file, err)
    }
    return writer
  }

  /** Appends one record; `bytes` may be far larger than a segment. */
  async record(type: number, bytes: Uint8Array): Promise<void> {
    const head = new Uint8Array(RECORD_HEAD)
    head[0] = type
    new DataView(head.buffer).setUint32(1, bytes.length)
    await this.#append(head)
    await this.#append(bytes)
  }

  /** Seals the last segment, fsyncs, renames into place; returns the file's size. */
  async finish(): Promise<number> {
    try {
      await this.#flush(true)
      await this.#handle.sync()
      await this.#handle.close()
      this.#done = true
      await placeFile(this.#tmp, this.dest, this.#replace)
      await fsyncDir(path.dirname(this.dest))
    } catch (err) {
      await this.abort(err)
      if (err instanceof HearthError) throw fileExists(this.dest)
      throw cannotWrite(this.dest, err)
    }
    return this.#bytes
  }

  /** Drops the temp file; the destination is left as it was. */
  async abort(cause: unknown): Promise<void> {
    if (!this.#done) {
      this.#done = true
      await this.#handle.close().catch((err: unknown) => {
        console.warn(`hearth: closing ${this.#tmp} failed: ${String(err)}`)
      })
    }
    await removeQuietly(this.#tmp, cause)
  }

  async #append(bytes: Uint8Array): Promise<void> {
    let at = 0
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, SEGMENT_BYTES - this.#filled)
      this.#plain.set(bytes.subarray(at, at + n), this.#filled)
      this.#filled += n
      at += n
      if (this.#filled === SEGMENT_BYTES) await this.#flush(false)
    }
  }

  async #flush(last: boolean): Promise<void> {
    const plain = this.#plain.subarray(0, this.#filled)
    const sealed = seal(this.#key, nonceFor(this.#index, last), plain, this.#aad)
    const head = Buffer.alloc(4)
    head.writeUInt32BE((sealed.length | (last ? LAST : 0)) >>> 0)
    await this.#write(head)
    await this.#write(sealed)
    this.#index++
    this.#filled = 0
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let at = 0
    while (at < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, at, bytes.length - at)
      at += bytesWritten
    }
    this.#bytes += bytes.length
  }
}

/**
 * Writes a whole sealed file: `fill` adds the records. If anything fails the temp file is
 * removed and the destination is as it was.
 */
export async function writeSealedFile(
  dest: string,
  header: Uint8Array,
  key: Uint8Array,
  options: WriteOptions,
  fill: (writer: SealedFileWriter) => Promise<void>,
): Promise<{ path: string; bytes: number }> {
  const writer = await SealedFileWriter.create(dest, header, key, options)
  try {
    await fill(writer)
  } catch (err) {
    await writer.abort(err)
    throw err
  }
  const bytes = await writer.finish()
  return { path: writer.dest, bytes }
}

export interface SealedRecord {
  type: number
  bytes: Uint8Array
}

/** Reads a sealed file: first its header (the caller parses it), then records, in order. */
export class SealedFileReader {
  readonly file: string
  readonly #handle: FileHandle
  #position = 0
  readonly #header: Uint8Array[] = []
  #key: Uint8Array | null = null
  #aad: Uint8Array = new Uint8Array(0)
  #index = 0
  #segment: Uint8Array = new Uint8Array(0)
  #at = 0
  #sawLast = false

  private constructor(file: string, handle: FileHandle) {
    this.file = file
    this.#handle = handle
  }

  static async open(file: string): Promise<SealedFileReader> {
    let handle: FileHandle
    try {
      handle = await openFile(file, 'r')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new HearthError(
        code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'BAD_INPUT',
        code === 'ENOENT'
          ? `There is no file ${file}.`
          : `${file} cannot be read: ${describe(err)}`,
      )
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close()
      throw new HearthError('BAD_INPUT', `${file} is not a file.`)
    }
    return new SealedFileReader(file, handle)
  }

  /** The next `length` header bytes; fewer in the file is a truncation. */
  async header(length: number): Promise<Uint8Array> {
    const bytes = await this.#read(length)
    this.#header.push(bytes)
    return bytes
  }

  /**
   * The first `length` header bytes, which must start with `magic` and then the version byte
   * `version`: else the sentence that says the file is not a `what` (or is from a newer Hearth).
   */
  async taggedHeader(
    length: number,
    magic: Uint8Array,
    version: number,
    what: { noun: string; verb: string },
  ): Promise<Uint8Array> {
    const notOne = () => new HearthError('BAD_INPUT', `${this.file} is not a Hearth ${what.noun}.`)
    const prefix = await this.header(length).catch((err: unknown) => {
      throw err instanceof SealedFileError ? notOne() : err
    })
    if (!magic.every((b, i) => prefix[i] === b)) throw notOne()
    if (prefix[magic.length] !== version) {
      throw new HearthError(
        'BAD_INPUT',
        `${this.file} was made by a newer version of Hearth; update Hearth to ${what.verb} it.`,
      )
    }
    return prefix
  }

  /** Switches to the segment stream, keyed by `key`, bound to the header read so far. */
  start(key: Uint8Array): void {
    this.#key = key
    this.#aad = digest(Buffer.concat(this.#header))
  }

  /**
   * The next record, or null after the last one. `maxBytes(type)` caps each type (0: unknown
   * type); a record over its cap is damage, found before anything is allocated for it.
   */
  async next(maxBytes: (type: number) => number): Promise<SealedRecord | null> {
    if (this.#at === this.#segment.length && !(await this.#more())) return null
    const head = await this.#plainBytes(RECORD_HEAD)
    const type = head[0] as number
    const length = new DataView(head.buffer, head.byteOffset).getUint32(1)
    if (length > maxBytes(type)) {
      throw new SealedFileError('damaged', `a record of type ${type} is ${length} bytes long`)
    }
    return { type, bytes: await this.#plainBytes(length) }
  }

  async close(): Promise<void> {
    await this.#handle.close()
  }

  /** Loads the next segment; false once the last one has been read (and nothing follows it). */
  async #more(): Promise<boolean> {
    for (;;) {
      if (this.#sawLast) {
        const probe = Buffer.alloc(1)
        if ((await readFull(this.#handle, probe, this.#position)) !== 0) {
          throw new SealedFileError('damaged', 'there are bytes after the end')
        }
        return false
      }
      if (this.#key === null) throw new Error('start() must come before records')
      const prefix = new DataView((await this.#read(4)).buffer).getUint32(0)
      const last = (prefix & LAST) !== 0
      const length = prefix & ~LAST
      if (length < TAG_BYTES || length > MAX_SEALED) {
        throw new SealedFileError('damaged', `a segment claims ${length} bytes`)
      }
      const sealed = await this.#read(length)
      const plain = open(this.#key, nonceFor(this.#index, last), sealed, this.#aad)
      if (plain === null) {
        throw new SealedFileError('damaged', `segment ${this.#index} does not authenticate`)
      }
      this.#index++
      this.#sawLast = last
      this.#segment = plain
      this.#at = 0
      if (plain.length > 0) return true
    }
  }

  async #plainBytes(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      if (this.#at === this.#segment.length && !(await this.#more())) {
        throw new SealedFileError('truncated', 'a record runs past the end')
      }
      const n = Math.min(length - filled, this.#segment.length - this.#at)
      out.set(this.#segment.subarray(this.#at, this.#at + n), filled)
      filled += n
      this.#at += n
    }
    return out
  }

  async #read(length: number): Promise<Uint8Array> {
    const out = Buffer.alloc(length)
    let got: number
    try {
      got = await readFull(this.#handle, out, this.#position)
    } catch (err) {
      throw new HearthError('STORAGE_FAILED', `${this.file} cannot be read: ${describe(err)}`)
    }
    this.#position += got
    if (got !== length) throw new SealedFileError('truncated', 'the file ends too early')
    return new Uint8Array(out.buffer, out.byteOffset, out.length)
  }
}

/** A record holding JSON. */
export function jsonRecord(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** The record's JSON if it is UTF-8 JSON that matches `schema`, else null. */
export function readJsonRecord<T>(schema: z.ZodType<T>, bytes: Uint8Array): T | null {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    // Not UTF-8 JSON: the caller reports it as damage.
    return null
  }
  const parsed = schema.safeParse(value)
  return parsed.success ? parsed.data : null
}

async function checkDestination(file: string, replace: boolean): Promise<void> {
  let existing
  try {
    existing = await lstatOrNull(file)
  } catch (err) {
    throw cannotWrite(file, err)
  }
  if (existing?.isDirectory() === true) throw new HearthError('BAD_INPUT', `${file} is a folder.`)
  if (existing !== null && !replace) throw fileExists(file)
}

function fileExists(file: string): HearthError {
  return new HearthError('FILE_EXISTS', `${file} already exists; choose another name.`)
}

function cannotWrite(file: string, err: unknown): HearthError {
  if (err instanceof HearthError) return err
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    return new HearthError('BAD_INPUT', `The folder ${path.dirname(file)} does not exist.`)
  }
  return new HearthError('STORAGE_FAILED', `${file} cannot be written: ${describe(err)}`)
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
