// Sealing sits inside the storage guard: when the medium fails under an encrypted peer and comes
// back, what the recovery writes goes through the seal like every other write.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPeer } from '../peer.ts'
import { tempDir } from '../shelves/test-fixtures.ts'
import { FaultyStore } from '../storage/test-fixtures.ts'
import { enableVault } from './enable.ts'

const FAST = { N: 2 ** 10, r: 8, p: 1 }

describe('an encrypted peer whose disk fails and comes back', () => {
  test('keeps everything it acknowledged, and what the recovery writes is sealed', async (t) => {
    const dataDir = tempDir(t, 'sealed-faults')
    const vault = await enableVault(dataDir, 'a passphrase here', { params: FAST })
    const disk = new FaultyStore()
    const options = { dataDir, vault, store: disk, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
    const peer = await createPeer(options)
    t.after(() => peer.stop())
    const { groupId } = await peer.handlers['groups.create']({ name: 'Sealed family' })
    await peer.handlers['messages.send']({ group: groupId, text: 'saved before the fault' })

    disk.fail('disk-full')
    await assert.rejects(peer.handlers['messages.send']({ group: groupId, text: 'in flight' }))
    const back = peer.events.next('storageChanged', (h) => h.writable)
    disk.heal()
    await back
    await peer.handlers['messages.send']({ group: groupId, text: 'saved after the fault' })
    await peer.stop()

    const raw = Buffer.from(
      JSON.stringify([
        disk.inner.loadUpdates(groupId).map((u) => Buffer.from(u).toString('latin1')),
        disk.inner.getSetting('name'),
      ]),
      'latin1',
    )
    for (const text of ['saved before', 'in flight', 'saved after', 'Sealed family']) {
      assert.ok(!raw.includes(Buffer.from(text)), `${text} is not stored in plaintext`)
    }
    const again = await createPeer(options)
    try {
      const texts = (await again.handlers['messages.list']({ group: groupId })).map((m) => m.text)
      assert.deepEqual(texts.sort(), [
        'in flight',
        'saved after the fault',
        'saved before the fault',
      ])
    } finally {
      await again.stop()
    }
  })
})
