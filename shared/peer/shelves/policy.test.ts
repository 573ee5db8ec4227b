import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import {
  DEFAULT_AUTO_DOWNLOAD_MAX_BYTES,
  decodePolicy,
  defaultPolicy,
  encodePolicy,
  keepOf,
  MAX_KEEP_FOLDERS,
  ShelfPolicies,
  withKeep,
} from './policy.ts'

const MB = 1024 * 1024
const file = (fileId: string, folder: string, size: number) => ({ fileId, folder, size })
const A = 'a'.repeat(26)
const B = 'b'.repeat(26)

describe('shelf keep policy', () => {
  test('by default files up to 50 MB are kept, larger ones are not', () => {
    assert.equal(DEFAULT_AUTO_DOWNLOAD_MAX_BYTES, 50 * MB)
    assert.deepEqual(keepOf(defaultPolicy, file(A, '', 50 * MB)), { keep: true, reason: 'size' })
    assert.deepEqual(keepOf(defaultPolicy, file(A, '', 50 * MB + 1)), {
      keep: false,
      reason: 'size',
    })
  })

  test('the nearest setting wins: the file, then its folder, then each folder above, then size', () => {
    let policy = withKeep(defaultPolicy, { folder: 'photos' }, true)
    policy = withKeep(policy, { folder: 'photos/junk' }, false)
    policy = withKeep(policy, { fileId: B }, true)
    const huge = 5000 * MB
    assert.deepEqual(keepOf(policy, file(A, 'photos', huge)), { keep: true, reason: 'folder' })
    assert.deepEqual(keepOf(policy, file(A, 'photos/2026/may', huge)), {
      keep: true,
      reason: 'folder',
    })
    assert.deepEqual(keepOf(policy, file(A, 'photos/junk/x', 1)), { keep: false, reason: 'folder' })
    assert.deepEqual(keepOf(policy, file(B, 'photos/junk', huge)), { keep: true, reason: 'file' })
    // "photos" is not a prefix of "photoshop": folders match by whole segments.
    assert.deepEqual(keepOf(policy, file(A, 'photoshop', huge)), { keep: false, reason: 'size' })
    // The top of the shelf ("") is a folder like any other.
    const everything = withKeep(defaultPolicy, { folder: '' }, true)
    assert.deepEqual(keepOf(everything, file(A, 'deep/down', huge)), {
      keep: true,
      reason: 'folder',
    })
    // Unpinned: back to the size limit.
    const cleared = withKeep(policy, { fileId: B }, null)
    assert.deepEqual(keepOf(cleared, file(B, '', huge)), { keep: false, reason: 'size' })
    const none = { ...defaultPolicy, autoDownloadMaxBytes: 0 }
    assert.deepEqual(keepOf(none, file(A, '', 0)), { keep: true, reason: 'size' }, 'empty files')
    assert.deepEqual(keepOf(none, file(A, '', 1)), { keep: false, reason: 'size' })
  })

  test('a policy survives the store, and what cannot be read falls back to the default', () => {
    const settings = new Map<string, string>()
    const store = {
      getSetting: (k: string) => settings.get(k),
      setSetting: (k: string, v: string) => void settings.set(k, v),
    }
    const policies = new ShelfPolicies(store)
    const group = 'g'.repeat(26)
    const pinned = withKeep({ ...defaultPolicy, autoDownloadMaxBytes: 7 }, { fileId: A }, true)
    policies.set(group, pinned)
    const again = new ShelfPolicies(store).get(group)
    assert.equal(again.autoDownloadMaxBytes, 7)
    assert.deepEqual([...again.files], [[A, true]])
    assert.deepEqual(decodePolicy(encodePolicy(pinned)), pinned)
    for (const bad of [
      '{',
      '[]',
      '{"v":1}',
      JSON.stringify({ v: 1, autoDownloadMaxBytes: -1, files: [], folders: [] }),
      JSON.stringify({ v: 1, autoDownloadMaxBytes: 1, files: [['../x', true]], folders: [] }),
    ]) {
      assert.deepEqual(decodePolicy(bad), defaultPolicy, bad)
    }
  })

  test('settings are bounded', () => {
    let policy = defaultPolicy
    const folders = new Map<string, boolean>()
    for (let i = 0; i < MAX_KEEP_FOLDERS; i++) folders.set(`f${i}`, true)
    policy = { ...policy, folders }
    assert.throws(
      () => withKeep(policy, { folder: 'one-more' }, true),
      (err: unknown) => err instanceof HearthError && err.code === 'TOO_LARGE',
    )
    assert.doesNotThrow(() => withKeep(policy, { folder: 'f1' }, false), 'changing one is fine')
  })
})
