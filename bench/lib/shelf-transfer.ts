// The pieces the shelf benchmarks share: a random file on disk, a sender and a receiver peer in one
// group, and one timed fetch of a shelf file with both peers' resident memory sampled meanwhile.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { EventPayload } from '../../shared/api/contract.ts'
import type { ApiClient } from '../../shared/rpc/client.ts'
import { within } from './deadline.ts'
import { sampleMax, type BenchPeer } from './shelf-peers.ts'

const MiB = 1024 * 1024

/** Writes `size` random bytes to `file` (1 MiB at a time); returns its SHA-256. */
export function writeRandomFile(file: string, size: number): string {
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'wx')
  try {
    for (let written = 0; written < size;) {
      const bytes = randomBytes(Math.min(MiB, size - written))
      hash.update(bytes)
      fs.writeSync(fd, bytes)
      written += bytes.length
    }
  } finally {
    fs.closeSync(fd)
  }
  return hash.digest('hex')
}

export function sha256File(file: string): string {
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(4 * MiB)
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
    }
  } finally {
    fs.closeSync(fd)
  }
  return hash.digest('hex')
}

/** The sender founds a group and the receiver joins it; resolves with the group id. */
export async function pair(sender: BenchPeer, receiver: BenchPeer): Promise<string> {
  const { groupId, invite } = await sender.client.call('groups.create', { name: 'Bench' })
  await within(receiver.client.call('groups.join', { invite }), 60_000, 'joining the group')
  return groupId
}

/** Resolves once `client` lists every one of `fileIds` on the group's shelf. */
export async function seesFiles(
  client: ApiClient,
  groupId: string,
  fileIds: readonly string[],
): Promise<void> {
  const wanted = new Set(fileIds)
  const allListed = async () => {
    const listed = await client.call('shelf.list', { group: groupId })
    return listed.filter((f) => wanted.has(f.fileId)).length === wanted.size
  }
  let wake: () => void = () => {}
  const off = client.on('shelfChanged', () => wake())
  try {
    await within(
      (async () => {
        while (!(await allListed())) await new Promise<void>((resolve) => (wake = resolve))
      })(),
      120_000,
      'the receiver seeing the shelf entries',
    )
  } finally {
    off()
  }
}

export interface TimedFetch {
  /** From the shelf.get call to the progress event saying every byte is verified. */
  ms: number
  senderIdle: number
  senderPeak: number
  receiverIdle: number
  receiverPeak: number
  /** CPU each process used during the timed part, in ms. */
  senderCpuMs: number
  receiverCpuMs: number
}

/**
 * The receiver fetches `fileId` (shelf.get), the timer stopping at the progress event that
 * reports the whole file verified; the export shelf.get does afterwards is not timed, and the
 * exported copy is compared with `sha256`, then removed.
 */
export async function timedFetch(opts: {
  sender: BenchPeer
  receiver: BenchPeer
  groupId: string
  fileId: string
  size: number
  sha256: string
  outDir: string
  timeoutMs: number
}): Promise<TimedFetch> {
  const { sender, receiver } = opts
  const senderIdle = sender.rss()
  const receiverIdle = receiver.rss()
  const senderMem = sampleMax(() => sender.rss())
  const receiverMem = sampleMax(() => receiver.rss())
  const senderCpu = sender.cpuMs()
  const receiverCpu = receiver.cpuMs()
  let senderCpuMs = 0
  let receiverCpuMs = 0
  let doneAt = 0
  const off = receiver.client.on('transferProgressed', (p: EventPayload<'transferProgressed'>) => {
    if (p.fileId === opts.fileId && p.bytes === p.total && doneAt === 0) {
      doneAt = performance.now()
      senderCpuMs = sender.cpuMs() - senderCpu
      receiverCpuMs = receiver.cpuMs() - receiverCpu
    }
  })
  const out = path.join(opts.outDir, `fetched-${opts.fileId}`)
  const start = performance.now()
  try {
    const got = await within(
      receiver.client.call('shelf.get', { group: opts.groupId, fileId: opts.fileId, out }),
      opts.timeoutMs,
      'the shelf transfer',
    )
    if (got.size !== opts.size || got.sha256 !== opts.sha256) {
      throw new Error(`fetched ${got.size} bytes hashing to ${got.sha256}, not the file sent`)
    }
    if (sha256File(out) !== opts.sha256) throw new Error('the exported copy differs')
  } finally {
    off()
    fs.rmSync(out, { force: true })
  }
  const senderPeak = senderMem.stop()
  const receiverPeak = receiverMem.stop()
  if (doneAt === 0) throw new Error('no progress event reported the whole file')
  return {
    ms: doneAt - start,
    senderIdle,
    senderPeak,
    receiverIdle,
    receiverPeak,
    senderCpuMs,
    receiverCpuMs,
  }
}

export const mbPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)
