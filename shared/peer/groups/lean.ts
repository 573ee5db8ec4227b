// Making a group doc hold less memory without changing a single value in it. Yjs decodes every
// entry of an update into objects of its own, with two kinds of waste that grow with history:
// - every entry repeats its group id and its author's peer id, and names its author's previous
//   entry, whose id is already held as that entry's map key, each as a fresh string: ~16 MB of
//   copies at 100,000 messages (a sixth of the doc);
// - each entry sits in a one-element array that Yjs grew by `push`, which reserves room for
//   sixteen: ~12 MB at 100,000 messages.
// Both are undone in place: equal strings are pointed at one shared copy, and each array is
// replaced by one of exactly its length holding the same element. Nothing reads identity.
import * as Y from 'yjs'
import type { SignedCommon } from './root-maps.ts'

/** Authors remembered; past this the table starts over (entries come from the network). */
const MAX_AUTHORS = 4096

interface Author {
  peerId: string
  /** Key of this author's entry seen last: usually what its next entry names as `prev`. */
  lastId: string | null
}

export class SharedStrings {
  readonly #groupId: string
  readonly #authors = new Map<string, Author>()

  constructor(groupId: string) {
    this.#groupId = groupId
  }

  /** Makes `entry` (stored under `id`) hold shared copies of strings equal to ones seen before. */
  share(id: string, entry: SignedCommon): void {
    // Yjs freezes content when NODE_ENV=development; a frozen entry keeps its own copies.
    if (Object.isFrozen(entry)) return
    if (entry.group === this.#groupId) entry.group = this.#groupId
    let author = this.#authors.get(entry.author)
    if (author === undefined) {
      if (this.#authors.size >= MAX_AUTHORS) this.#authors.clear()
      author = { peerId: entry.author, lastId: null }
      this.#authors.set(entry.author, author)
    } else {
      entry.author = author.peerId
    }
    if (entry.prev !== null && entry.prev === author.lastId) entry.prev = author.lastId
    author.lastId = id
  }
}

/** Gives the entry stored under `key` in `map` an array of exactly its one element. */
export function trimEntry(map: Y.Map<unknown>, key: string): void {
  const item = map._map.get(key)
  if (item !== undefined) trimContent(item)
}

/** `trimEntry` for every entry of `map`. */
export function trimEntries(map: Y.Map<unknown>): void {
  for (const item of map._map.values()) trimContent(item)
}

function trimContent(item: Y.Item): void {
  const content = item.content
  if (
    content instanceof Y.ContentAny &&
    content.arr.length === 1 &&
    !Object.isFrozen(content.arr)
  ) {
    content.arr = [content.arr[0]]
  }
}
