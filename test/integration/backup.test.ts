// Backup and restore between real peers over TCP on loopback: a backup restored into a fresh
// folder is the same device (peer id, name, groups, messages, shelf files byte for byte), it
// meets a member that kept running and both go on chatting as before; a wrong passphrase or a
// damaged backup changes nothing; a new install can take a backup in place of its unused identity.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { HearthError, type ErrorCode } from '../../shared/api/errors.ts'
import { restoreBackup } from '../../shared/peer/carry/index.ts'
import { PeerHost } from '../../shared/peer/host.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { PeerSet, until } from '../helpers/peers.ts'
import { cli, tempDirs } from '../helpers/proc.ts'

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

const PASSPHRASE = 'correct horse battery staple'
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

function failsWith(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    assert.doesNotMatch(err.message, /\n/, 'one sentence')
    return true
  }
}

/** Everything a person sees of a device: who it is, its groups, their messages and shelves. */
async function looks(peer: Peer) {
  const groups = await peer.handlers['groups.list']({})
  const detail = []
  for (const g of groups) {
    detail.push({
      messages: await peer.handlers['messages.list']({ group: g.groupId, limit: 1000 }),
      shelf: await peer.handlers['shelf.list']({ group: g.groupId }),
      receipts: await peer.handlers['receipts.list']({ group: g.groupId }),
    })
  }
  return { identity: await peer.handlers['identity.get']({}), groups, detail }
}

describe('backup and restore', () => {
  let backupFile = ''

  test('a restored device is the same member: same peer id, groups, messages, names and files; it rejoins and chats both ways', async () => {
    const work = dirs.make('backup-files')
    const photo = path.join(work, 'photo.bin')
    fs.writeFileSync(photo, randomBytes(2 * 1024 * 1024 + 77))

    const ana = await peers.start('Ana')
    const bo = await peers.start('Bo')
    const family = await ana.peer.handlers['groups.create']({ name: 'Family' })
    const quiet = await ana.peer.handlers['groups.create']({ name: 'Quiet corner' })
    await bo.peer.handlers['groups.join']({ invite: family.invite })
    await ana.peer.handlers['messages.send']({ group: family.groupId, text: 'dinner at 7?' })
    await bo.peer.handlers['messages.send']({ group: family.groupId, text: 'yes 🍲' })
    await ana.peer.handlers['messages.send']({ group: quiet.groupId, text: 'note to self' })
    const added = await ana.peer.handlers['shelf.add']({ group: family.groupId, path: photo })
    await until(
      ana.peer,
      'Ana holds Bo’s message',
      async () =>
        (await ana.peer.handlers['messages.list']({ group: family.groupId })).length === 2,
    )

    // Ana has read Bo's answer: the restored device must know it (no unread badge comes back).
    const answer = (await ana.peer.handlers['messages.list']({ group: family.groupId })).at(-1)
    assert.equal(answer?.text, 'yes 🍲')
    await ana.peer.handlers['receipts.markRead']({ group: family.groupId, messageId: answer.id })
    // Bo fetches the photo by himself (it is under the size limit) and says he holds it. Wait
    // for that word to reach Ana, or it could land between the backup and the look at Ana's
    // device that the restored one is compared with.
    await until(ana.peer, 'Ana hears that Bo holds the photo', async () =>
      (await ana.peer.handlers['shelf.list']({ group: family.groupId })).some(
        (f) => f.fileId === added.fileId && f.holders.includes(bo.peer.peerId),
      ),
    )

    backupFile = path.join(work, 'ana.hearth-backup')
    const made = await ana.peer.handlers['backup.create']({
      path: backupFile,
      passphrase: PASSPHRASE,
      files: true,
    })
    assert.deepEqual(
      { groups: made.groups, files: made.files, path: made.path },
      { groups: 2, files: 1, path: backupFile },
    )
    assert.equal(fs.statSync(backupFile).size, made.bytes)
    const raw = fs.readFileSync(backupFile)
    // Only strings long enough that random ciphertext cannot contain them by chance (a 3-byte
    // name turns up in 2 MiB of random bytes about one run in eight).
    for (const plain of ['dinner at 7?', 'Quiet corner', ana.peer.peerId]) {
      assert.equal(raw.includes(Buffer.from(plain)), false, `"${plain}" is not readable in it`)
    }
    const before = await looks(ana.peer)
    assert.ok(
      before.detail[0]?.receipts.some(
        (r) => r.peerId === ana.peer.peerId && r.messageId === answer.id,
      ),
    )
    await ana.peer.stop() // the laptop dies

    const fresh = path.join(dirs.make('backup-new-machine'), 'data')
    const summary = await restoreBackup({
      file: backupFile,
      passphrase: PASSPHRASE,
      dataDir: fresh,
    })
    assert.deepEqual(summary, { peerId: ana.peer.peerId, name: 'Ana', groups: 2, files: 1 })
    // The name is the backup's: nothing overrides it at start.
    const again = await peers.start('Ana', { name: undefined }, fresh)
    assert.equal(again.peer.peerId, ana.peer.peerId)
    const now = await looks(again.peer)
    assert.deepEqual(now, before)
    const copy = path.join(work, 'photo-copy.bin')
    await again.peer.handlers['shelf.get']({
      group: family.groupId,
      fileId: added.fileId,
      out: copy,
    })
    assert.equal(sha256(copy), sha256(photo))

    // It finds Bo from the addresses it kept, and both chat as before.
    await until(again.peer, 'the restored device reaches Bo', async () =>
      (await again.peer.handlers['peers.list']({})).some(
        (p) => p.peerId === bo.peer.peerId && p.connected,
      ),
    )
    await again.peer.handlers['messages.send']({ group: family.groupId, text: 'new laptop!' })
    await until(bo.peer, 'Bo hears the restored device', async () =>
      (await bo.peer.handlers['messages.list']({ group: family.groupId })).some(
        (m) => m.text === 'new laptop!' && m.author === ana.peer.peerId && m.verified,
      ),
    )
    await bo.peer.handlers['messages.send']({ group: family.groupId, text: 'welcome back' })
    await until(again.peer, 'the restored device hears Bo', async () =>
      (await again.peer.handlers['messages.list']({ group: family.groupId })).some(
        (m) => m.text === 'welcome back',
      ),
    )
    const members = (await bo.peer.handlers['groups.list']({}))[0]?.members ?? []
    assert.deepEqual(
      members.map((m) => [m.peerId, m.name, m.role]),
      [
        [ana.peer.peerId, 'Ana', 'admin'],
        [bo.peer.peerId, 'Bo', 'member'],
      ],
      'still the same member, admin as before',
    )
    // The next tests restore the same identity again: these two must not meet that one.
    await again.peer.stop()
    await bo.peer.stop()
  })

  test('a wrong passphrase, a cut-short or altered backup, or a used folder: one sentence, nothing written', async () => {
    assert.ok(backupFile, 'the first test made a backup')
    const work = dirs.make('backup-bad')
    const bytes = fs.readFileSync(backupFile)
    const variant = (name: string, change: (b: Buffer) => Buffer) => {
      const file = path.join(work, name)
      fs.writeFileSync(file, change(Buffer.from(bytes)))
      return file
    }
    const flip = (at: number) => (b: Buffer) => {
      b[at] = (b[at] as number) ^ 0x40
      return b
    }
    const cases: [string, string, string, ErrorCode][] = [
      ['wrong passphrase', backupFile, 'correct horse battery stable', 'WRONG_PASSPHRASE'],
      [
        'cut in half',
        variant('half', (b) => b.subarray(0, b.length >> 1)),
        PASSPHRASE,
        'DAMAGED_FILE',
      ],
      ['last byte gone', variant('short', (b) => b.subarray(0, -1)), PASSPHRASE, 'DAMAGED_FILE'],
      [
        'a byte flipped inside',
        variant('flip', flip(bytes.length >> 1)),
        PASSPHRASE,
        'DAMAGED_FILE',
      ],
      ['its salt changed', variant('salt', flip(20)), PASSPHRASE, 'WRONG_PASSPHRASE'],
      ['not a backup', variant('junk', (b) => b.fill(7)), PASSPHRASE, 'BAD_INPUT'],
    ]
    for (const [what, file, passphrase, code] of cases) {
      const absent = path.join(work, `absent-${code}-${what.length}`)
      await assert.rejects(
        restoreBackup({ file, passphrase, dataDir: absent }),
        failsWith(code),
        what,
      )
      assert.equal(fs.existsSync(absent), false, `${what}: the folder was not created`)
      const empty = dirs.make('backup-empty')
      await assert.rejects(
        restoreBackup({ file, passphrase, dataDir: empty }),
        failsWith(code),
        what,
      )
      assert.deepEqual(fs.readdirSync(empty), [], `${what}: the empty folder stays empty`)
    }
    const used = dirs.make('backup-used')
    fs.writeFileSync(path.join(used, 'notes.txt'), 'mine')
    await assert.rejects(
      restoreBackup({ file: backupFile, passphrase: PASSPHRASE, dataDir: used }),
      failsWith('DATA_DIR_NOT_EMPTY'),
    )
    assert.deepEqual(fs.readdirSync(used), ['notes.txt'])

    // The CLI says it in one line, with exit code 1, and needs no peer to do it.
    const target = path.join(work, 'cli-target')
    const r = await cli(target, ['restore', path.join(work, 'half')], {
      env: { ...process.env, HEARTH_BACKUP_PASSPHRASE: PASSPHRASE },
    })
    assert.equal(r.code, 1)
    assert.match(
      r.stderr.trim(),
      /^hearth: The backup .* is damaged or incomplete .*; nothing was restored\.$/,
    )
    assert.equal(fs.existsSync(target), false)
    const ok = await cli(target, ['restore', backupFile, '--json'], {
      env: { ...process.env, HEARTH_BACKUP_PASSPHRASE: PASSPHRASE },
    })
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(JSON.parse(ok.stdout).name, 'Ana')
  })

  test('a new install restores a backup in place of its unused identity, and refuses once it holds groups', async () => {
    assert.ok(backupFile, 'the first test made a backup')
    const dataDir = dirs.make('backup-in-place')
    const host = await PeerHost.open({
      dataDir,
      name: 'New laptop',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    try {
      const unused = host.peer?.peerId
      await assert.rejects(
        host.handlers['backup.restore']({ path: backupFile, passphrase: 'not it at all' }),
        failsWith('WRONG_PASSPHRASE'),
      )
      assert.equal((await host.handlers['identity.get']({})).peerId, unused, 'still itself')
      const heard: string[] = []
      host.events.subscribe((name, payload) => {
        if (name === 'messageAdded')
          heard.push((payload as { message: { text: string } }).message.text)
      })
      const r = await host.handlers['backup.restore']({ path: backupFile, passphrase: PASSPHRASE })
      assert.equal(r.name, 'Ana')
      assert.notEqual(r.peerId, unused)
      assert.equal(host.peer?.peerId, r.peerId)
      assert.deepEqual(await host.handlers['identity.get']({}), { peerId: r.peerId, name: 'Ana' })
      const groups = await host.handlers['groups.list']({})
      assert.deepEqual(groups.map((g) => g.name).sort(), ['Family', 'Quiet corner'])
      const messages = await host.handlers['messages.list']({ group: 'Family' })
      assert.ok(messages.some((m) => m.text === 'dinner at 7?'))
      // Now it holds groups: another backup may not replace it.
      await assert.rejects(
        host.handlers['backup.restore']({ path: backupFile, passphrase: PASSPHRASE }),
        failsWith('DATA_DIR_NOT_EMPTY'),
      )
      // Events of the restored peer reach the clients of the host.
      await host.handlers['messages.send']({ group: 'Family', text: 'after the restore' })
      assert.ok(heard.includes('after the restore'))
    } finally {
      await host.stop()
    }
  })
})
