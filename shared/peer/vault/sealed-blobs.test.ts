// The blob store in an encrypted folder: the same public API, sealed files, names that reveal no
// hash, and chunks or manifests that do not open when changed or swapped.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { HearthError } from '../../api/index.ts'
import { BlobStore } from '../shelves/blob-store.ts'
import { blobIdOf, sha256Hex } from '../shelves/manifest.ts'
import { listTree, tempDir } from '../shelves/test-fixtures.ts'
import { randomKey } from './crypto.ts'
import { Vault } from './vault.ts'

async function sealedStore(dir: string) {
  const vault = new Vault(dir, randomKey())
  return { vault, store: await BlobStore.open(vault.dir, { sealing: vault.blobs }) }
}

describe('sealed blob store', () => {
  test('a file goes in and comes out whole; no file name or byte on disk gives it away', async (t) => {
    const dir = tempDir(t, 'sealed-blobs')
    const { store } = await sealedStore(dir)
    const content = Buffer.concat([
      Buffer.from('THE FAMILY RECIPE: two cups of flour, '),
      randomBytes(1024 * 1024 + 4096),
    ])
    const original = path.join(dir, 'recipe.bin')
    fs.writeFileSync(original, content)
    const manifest = await store.importFile(original)
    const blobId = blobIdOf(manifest)
    fs.rmSync(original)

    const hashes = [manifest.sha256, blobId, ...manifest.chunks]
    for (const file of await listTree(store.root)) {
      for (const hash of hashes) assert.ok(!file.includes(hash), `${file} is named by a hash`)
      const bytes = fs.readFileSync(path.join(store.root, file))
      assert.ok(!bytes.includes(content.subarray(0, 64)), `${file} holds plaintext`)
      assert.ok(!bytes.includes(Buffer.from('FAMILY RECIPE')), `${file} holds plaintext`)
    }

    assert.deepEqual(await store.blobIds(), [blobId])
    assert.deepEqual(await store.getManifest(blobId), manifest)
    assert.ok(await store.isComplete(manifest))
    const out = path.join(dir, 'out.bin')
    await store.exportTo(manifest, out)
    assert.ok(fs.readFileSync(out).equals(content))

    const other = new Vault(dir, randomKey())
    const otherKey = await BlobStore.open(other.dir, { sealing: other.blobs })
    assert.equal(await otherKey.getManifest(blobId), null, 'another key finds nothing')
    assert.deepEqual(await otherKey.blobIds(), [])
  })

  test('a changed or swapped chunk is caught on read and removed, never served', async (t) => {
    const dir = tempDir(t, 'sealed-blobs-tamper')
    const { vault, store } = await sealedStore(dir)
    const a = randomBytes(1000)
    const b = randomBytes(1000)
    const [ha, hb] = [sha256Hex(a), sha256Hex(b)]
    await store.putChunk(ha, a)
    await store.putChunk(hb, b)
    const fileOf = (hash: string) => {
      const name = vault.blobs.fileName('chunk', hash)
      return path.join(store.root, 'chunks', name.slice(0, 2), name)
    }
    const [fa, fb] = [fileOf(ha), fileOf(hb)]
    const [sealedA, sealedB] = [fs.readFileSync(fa), fs.readFileSync(fb)]
    const damaged = (err: unknown) =>
      err instanceof HearthError && err.code === 'STORAGE_FAILED' && /damaged/.test(err.message)

    // Swapped: each name now holds the other chunk, sealed and intact.
    fs.writeFileSync(fa, sealedB)
    fs.writeFileSync(fb, sealedA)
    await assert.rejects(store.readChunk(ha), damaged)
    await assert.rejects(store.readChunk(hb), damaged)
    assert.equal(await store.hasChunk(ha), false, 'a bad chunk is removed so it is fetched again')

    // One bit changed.
    await store.putChunk(hb, b)
    assert.ok(Buffer.from((await store.readChunk(hb)) ?? []).equals(b), 'a rewritten chunk reads')
    const flipped = fs.readFileSync(fb)
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] as number) ^ 0x01
    fs.writeFileSync(fb, flipped)
    await assert.rejects(store.readChunk(hb), damaged)
  })

  test('a manifest moved under another name does not open', async (t) => {
    const dir = tempDir(t, 'sealed-blobs-manifest')
    const { vault, store } = await sealedStore(dir)
    const file = (name: string) => {
      const p = path.join(dir, name)
      fs.writeFileSync(p, randomBytes(2000))
      return p
    }
    const one = blobIdOf(await store.importFile(file('one.bin')))
    const two = blobIdOf(await store.importFile(file('two.bin')))
    const fileOf = (blobId: string) => {
      const name = vault.blobs.fileName('manifest', blobId)
      return path.join(store.root, 'manifests', name.slice(0, 2), name)
    }
    fs.copyFileSync(fileOf(two), fileOf(one))
    const reopened = await BlobStore.open(vault.dir, { sealing: vault.blobs })
    await assert.rejects(
      reopened.getManifest(one),
      (err: unknown) => err instanceof HearthError && err.code === 'STORAGE_FAILED',
    )
    assert.deepEqual(await reopened.blobIds(), [two], 'listing skips what does not open')
  })

  test('gc keeps what is kept and removes the rest, by keyed names', async (t) => {
    const dir = tempDir(t, 'sealed-blobs-gc')
    const { store } = await sealedStore(dir)
    const file = (name: string, size: number) => {
      const p = path.join(dir, name)
      fs.writeFileSync(p, randomBytes(size))
      return p
    }
    const kept = await store.importFile(file('kept.bin', 3000))
    const dropped = await store.importFile(file('dropped.bin', 5000))
    const result = await store.gc([blobIdOf(kept)])
    assert.equal(result.removedManifests, 1)
    assert.equal(result.removedChunks, 1)
    assert.deepEqual(await store.blobIds(), [blobIdOf(kept)])
    assert.ok(await store.isComplete(kept))
    assert.equal(await store.getManifest(blobIdOf(dropped)), null)
  })
})
