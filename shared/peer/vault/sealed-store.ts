// A Store that seals everything it is given before handing it to another Store, so any Store (the
// sqlite one, the memory twin, a wrapper that reopens after a fault) can keep an encrypted folder.
// What stays readable is what the Store needs to work: group ids, join times, sequence numbers,
// setting names, peer ids and when they were seen. Values are bound to their place:
//   group updates   [1][seq: 8 bytes][sealed]   place ("update", group id, seq)
//   snapshots       [2][upto: 8 bytes][sealed]  place ("snapshot", group id, upto)
//   settings        base64(sealed)              place ("setting", key)
//   known addresses [base64(sealed)]            place ("peer", peer id)
//   read markers    messageId "sealed", sig base64(sealed [message id, signature])
//                                               place ("receipt", group id, reader, ts)
// A row moved to another group, a snapshot moved into the updates, or updates swapped with each
// other (their sequence numbers would no longer rise) fail to load with STORAGE_FAILED.
import { HearthError } from '../../api/errors.ts'
import { checkBytes, checkId, checkReceipts, checkText, uniqueAddrs } from '../storage/rules.ts'
import type {
  AppendOptions,
  KnownPeer,
  Store,
  StoredGroup,
  StoredReceipt,
} from '../storage/types.ts'
import { placeOf, type Sealer } from './sealer.ts'

const UPDATE = 1
const SNAPSHOT = 2
const PREFIX_BYTES = 9
/** Stands in for a read marker's message id, which travels sealed with its signature. */
const SEALED_RECEIPT = 'sealed'

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

function rowOf(kind: number, seq: number, sealed: Uint8Array): Uint8Array {
  const row = new Uint8Array(PREFIX_BYTES + sealed.length)
  row[0] = kind
  new DataView(row.buffer).setBigUint64(1, BigInt(seq))
  row.set(sealed, PREFIX_BYTES)
  return row
}

function tampered(groupId: string, why: string): HearthError {
  return new HearthError(
    'STORAGE_FAILED',
    `The stored history of group ${groupId} was changed or damaged (${why}); it cannot be loaded.`,
  )
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function fromBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new HearthError('STORAGE_FAILED', `${what} in the encrypted data folder is not sealed.`)
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

export class SealedStore implements Store {
  readonly #inner: Store
  readonly #sealer: Sealer

  constructor(inner: Store, sealer: Sealer) {
    this.#inner = inner
    this.#sealer = sealer
  }

  listGroups(): StoredGroup[] {
    return this.#inner.listGroups()
  }

  addGroup(groupId: string, joinedAt: number): void {
    this.#inner.addGroup(groupId, joinedAt)
  }

  removeGroup(groupId: string): void {
    this.#inner.removeGroup(groupId)
  }

  appendUpdate(groupId: string, update: Uint8Array, options?: AppendOptions): number {
    checkBytes('update', update)
    // The store hands out the next number; the peer is the folder's only writer, so it is this one.
    const seq = this.#inner.lastSeq(groupId) + 1
    const sealed = this.#sealer.seal(update, placeOf('update', groupId, seq))
    return this.#inner.appendUpdate(groupId, rowOf(UPDATE, seq, sealed), options)
  }

  loadUpdates(groupId: string): Uint8Array[] {
    const rows = this.#inner.loadUpdates(groupId)
    let floor = -1
    return rows.map((row, index) => {
      if (row.length <= PREFIX_BYTES) throw tampered(groupId, 'a row is too short to be sealed')
      const kind = row[0]
      const seq = Number(new DataView(row.buffer, row.byteOffset).getBigUint64(1))
      if (kind === SNAPSHOT) {
        if (index !== 0) throw tampered(groupId, 'a snapshot sits among the updates')
      } else if (kind !== UPDATE) {
        throw tampered(groupId, 'a row is not sealed')
      } else if (seq <= floor) {
        throw tampered(groupId, 'the updates are out of order')
      }
      floor = seq
      const place = placeOf(kind === SNAPSHOT ? 'snapshot' : 'update', groupId, seq)
      return this.#sealer.open(row.subarray(PREFIX_BYTES), place, `An update of group ${groupId}`)
    })
  }

  updateCount(groupId: string): number {
    return this.#inner.updateCount(groupId)
  }

  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void {
    checkBytes('snapshot', snapshot)
    const sealed = this.#sealer.seal(snapshot, placeOf('snapshot', groupId, uptoSeq))
    // A bad uptoSeq is refused by the inner store before anything changes.
    const seq = Number.isSafeInteger(uptoSeq) && uptoSeq >= 0 ? uptoSeq : 0
    this.#inner.compact(groupId, rowOf(SNAPSHOT, seq, sealed), uptoSeq)
  }

  lastSeq(groupId: string): number {
    return this.#inner.lastSeq(groupId)
  }

  getSetting(key: string): string | undefined {
    const stored = this.#inner.getSetting(key)
    if (stored === undefined) return undefined
    const what = `The setting "${key}"`
    const plain = this.#sealer.open(fromBase64(stored, what), placeOf('setting', key), what)
    return fromUtf8.decode(plain)
  }

  setSetting(key: string, value: string): void {
    checkId('setting name', key)
    checkText('setting value', value)
    const sealed = this.#sealer.seal(utf8.encode(value), placeOf('setting', key))
    this.#inner.setSetting(key, toBase64(sealed))
  }

  rememberPeer(peerId: string, addrs: string[], seenAt: number): void {
    checkId('peer id', peerId)
    const plain = utf8.encode(JSON.stringify(uniqueAddrs(addrs)))
    const sealed = this.#sealer.seal(plain, placeOf('peer', peerId))
    this.#inner.rememberPeer(peerId, [toBase64(sealed)], seenAt)
  }

  knownPeers(): KnownPeer[] {
    return this.#inner.knownPeers().map((known) => {
      const what = `The addresses of ${known.peerId}`
      if (known.addrs.length !== 1) {
        throw new HearthError(
          'STORAGE_FAILED',
          `${what} in the encrypted data folder are not sealed.`,
        )
      }
      const sealed = fromBase64(known.addrs[0] as string, what)
      const plain = this.#sealer.open(sealed, placeOf('peer', known.peerId), what)
      const addrs: unknown = JSON.parse(fromUtf8.decode(plain))
      if (!Array.isArray(addrs) || !addrs.every((a) => typeof a === 'string')) {
        throw new HearthError('STORAGE_FAILED', `${what} are not a list of addresses.`)
      }
      return { ...known, addrs }
    })
  }

  putReceipts(groupId: string, receipts: StoredReceipt[]): void {
    checkReceipts(receipts)
    this.#inner.putReceipts(
      groupId,
      receipts.map(({ reader, ts, messageId, sig }) => {
        const plain = utf8.encode(JSON.stringify([messageId, sig]))
        const sealed = this.#sealer.seal(plain, placeOf('receipt', groupId, reader, ts))
        return { reader, ts, messageId: SEALED_RECEIPT, sig: toBase64(sealed) }
      }),
    )
  }

  receipts(groupId: string): StoredReceipt[] {
    return this.#inner.receipts(groupId).map(({ reader, ts, messageId, sig }) => {
      const what = `The read marker of ${reader} in group ${groupId}`
      if (messageId !== SEALED_RECEIPT) {
        throw new HearthError(
          'STORAGE_FAILED',
          `${what} in the encrypted data folder is not sealed.`,
        )
      }
      const place = placeOf('receipt', groupId, reader, ts)
      const opened: unknown = JSON.parse(
        fromUtf8.decode(this.#sealer.open(fromBase64(sig, what), place, what)),
      )
      if (
        !Array.isArray(opened) ||
        opened.length !== 2 ||
        !opened.every((v) => typeof v === 'string')
      ) {
        throw new HearthError('STORAGE_FAILED', `${what} is not a read marker.`)
      }
      return { reader, ts, messageId: opened[0] as string, sig: opened[1] as string }
    })
  }

  close(): void {
    this.#inner.close()
  }
}
