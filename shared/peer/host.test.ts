// The peer host around encryption at rest: locked until unlocked, LOCKED for every other command
// meanwhile, and turning encryption on under a running peer keeps its identity and its data.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { HearthError, type ErrorCode, type EventName } from '../api/index.ts'
import { PeerHost, type PeerHostOptions } from './host.ts'
import { tempDir } from './shelves/test-fixtures.ts'
import { DATABASE_FILE } from './storage/sqlite.ts'
import { enableVault, isSealed } from './vault/index.ts'

const FAST = { N: 2 ** 10, r: 8, p: 1 }

function rejectsWith(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, String(err))
    assert.equal(err.code, code, err.message)
    return true
  }
}

function options(dataDir: string, extra: Partial<PeerHostOptions> = {}): PeerHostOptions {
  return {
    dataDir,
    name: 'Ana',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    kdf: FAST,
    ...extra,
  }
}

function heard(host: PeerHost, name: EventName): EventName[] {
  const seen: EventName[] = []
  host.events.subscribe((n) => {
    if (n === name) seen.push(n)
  })
  return seen
}

describe('peer host', () => {
  test('an encrypted folder starts locked: only vault commands answer until it is unlocked', async (t) => {
    const dir = tempDir(t, 'host-locked')
    await enableVault(dir, 'the right passphrase', { params: FAST })
    const host = await PeerHost.open(options(dir))
    t.after(() => host.stop())
    assert.equal(host.isLocked, true)
    assert.deepEqual([host.peer], [undefined], 'no peer runs while locked')
    assert.deepEqual(await host.handlers['vault.status']({}), { state: 'locked', portable: false })
    await assert.rejects(host.handlers['groups.list']({}), rejectsWith('LOCKED'))
    await assert.rejects(host.handlers['status.get']({}), rejectsWith('LOCKED'))
    await assert.rejects(
      host.handlers['vault.enable']({ passphrase: 'another passphrase' }),
      rejectsWith('BAD_INPUT'),
    )
    await assert.rejects(
      host.handlers['vault.unlock']({ passphrase: 'a wrong passphrase' }),
      rejectsWith('WRONG_PASSPHRASE'),
    )
    assert.equal(host.isLocked, true)

    const changed = heard(host, 'vaultChanged')
    const running = host.running()
    const unlocking = host.handlers['vault.unlock']({ passphrase: 'the right passphrase' })
    // Asked while the unlock runs: it waits for the outcome instead of failing.
    const groups = host.handlers['groups.list']({})
    assert.deepEqual(await unlocking, { state: 'unlocked', portable: false })
    assert.deepEqual(await groups, [])
    assert.equal((await running).peerId, host.peer?.peerId)
    assert.deepEqual(changed, ['vaultChanged'])
    const status = await host.handlers['status.get']({})
    assert.equal(status.encrypted, true)
    assert.deepEqual(await host.handlers['vault.unlock']({ passphrase: 'anything' }), {
      state: 'unlocked',
      portable: false,
    })
  })

  test('turning encryption on keeps the peer, its groups and messages; then the passphrase is needed', async (t) => {
    const dir = tempDir(t, 'host-enable')
    const host = await PeerHost.open(options(dir, { portable: true }))
    t.after(() => host.stop())
    const peerId = host.peer?.peerId
    assert.deepEqual(await host.handlers['vault.status']({}), { state: 'off', portable: true })
    const { groupId } = await host.handlers['groups.create']({ name: 'Family' })
    await host.handlers['messages.send']({ group: groupId, text: 'before encryption' })

    const enabled = await host.handlers['vault.enable']({ passphrase: 'our passphrase' })
    assert.deepEqual(enabled, { state: 'unlocked', portable: true })
    assert.ok(isSealed(dir))
    assert.ok(!fs.existsSync(path.join(dir, DATABASE_FILE)))
    assert.equal(host.peer?.peerId, peerId, 'the same device, the same identity')
    await host.handlers['messages.send']({ group: groupId, text: 'after encryption' })
    await host.handlers['vault.changePassphrase']({
      current: 'our passphrase',
      next: 'new passphrase',
    })
    await host.stop()

    await assert.rejects(
      PeerHost.open(options(dir, { passphrase: 'our passphrase' })),
      rejectsWith('WRONG_PASSPHRASE'),
    )
    const again = await PeerHost.open(options(dir, { passphrase: 'new passphrase' }))
    t.after(() => again.stop())
    assert.equal(again.peer?.peerId, peerId)
    const texts = (await again.handlers['messages.list']({ group: groupId })).map((m) => m.text)
    assert.deepEqual(texts, ['before encryption', 'after encryption'])
    await assert.rejects(
      again.handlers['vault.enable']({ passphrase: 'yet another one' }),
      rejectsWith('BAD_INPUT'),
    )
  })
})
