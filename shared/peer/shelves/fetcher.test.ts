// BlobFetch on its own, with a scripted store and network: the orderings that real peers hit only
// under load.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { HearthError } from '../../api/index.ts'
import { BlobFetch, type FetchDeps, type FetchStore } from './fetcher.ts'
import { CHUNK_SIZE } from './manifest.ts'
import { PeerSlots } from './peer-slots.ts'
import { defaultTransferLimits } from './transfer.ts'
import { GROUP } from './test-fixtures.ts'
import type { Logger } from '@libp2p/interface'

const quiet = Object.assign(() => {}, {
  error: () => {},
  trace: () => {},
  enabled: false,
}) as unknown as Logger
const SOURCE = peerIdFromString('12D3KooWLRPJAA5o6Z6wvLk5wC1E2cW6ReJmiM7TjRrmUTDPBVsT')
const manifest = {
  size: CHUNK_SIZE,
  chunkSize: CHUNK_SIZE,
  chunks: ['a'.repeat(64)],
  sha256: 'b'.repeat(64),
}

test('a slot released by another fetch before this one has looked at the disk does not end it early', async () => {
  const calls: string[] = []
  let saved: () => void = () => {}
  const store: FetchStore = {
    putManifest: () => {
      calls.push('putManifest')
      return new Promise((resolve) => (saved = () => resolve('id')))
    },
    missingChunks: async () => {
      calls.push('missingChunks')
      return [0]
    },
    putChunk: async () => {},
    hold: () => () => {},
  }
  const deps: FetchDeps = {
    store,
    limits: defaultTransferLimits,
    slots: new PeerSlots(4),
    log: quiet,
    openStream: async () => {
      calls.push('openStream')
      throw new Error('unreachable on purpose')
    },
    strike: () => {},
  }
  const fetch = new BlobFetch(deps, { manifest, groupId: GROUP, sources: [SOURCE] }, 'self')
  const running = fetch.run()
  // What the service does whenever any fetch releases a stream slot: pump every fetch.
  fetch.pump()
  assert.deepEqual(calls, ['putManifest'], 'nothing happens before run() knows what is missing')
  saved()
  await assert.rejects(
    running,
    (err: unknown) => err instanceof HearthError && err.code === 'NO_MEMBER_REACHABLE',
  )
  assert.deepEqual(calls, ['putManifest', 'missingChunks', 'openStream'])
})
