// Encryption at rest with real peers over TCP and real `hearth` processes. A sealed peer holds
// groups, messages (its own and a member's), a group name, a display name, a member's address and
// a shelf file: afterwards no byte of any file in its data folder (WAL and temp files included)
// spells any of them, nor the file's SHA-256 or its chunks' as a file name. A wrong passphrase
// changes no byte; the right one brings everything back; a passphrase change leaves every chunk
// untouched; turning encryption on under a running plaintext peer keeps everything and leaves no
// plaintext. `hearth serve` takes the passphrase from a file descriptor, the environment, or a
// prompt on a terminal (a pty made by util-linux `script`).
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { z } from 'zod'
import { Message } from '../../shared/api/index.ts'
import { PeerHost } from '../../shared/peer/host.ts'
import { sha256Hex } from '../../shared/peer/shelves/manifest.ts'
import { openSqliteStore } from '../../shared/peer/storage/sqlite.ts'
import { enableVault, SEALED_DIR, unlockVault } from '../../shared/peer/vault/index.ts'
import { PeerSet, until } from '../helpers/peers.ts'
import { cli, HEARTH_BIN, ServeReady, startServe, tempDirs, type Spawner } from '../helpers/proc.ts'

const FAST = { N: 2 ** 10, r: 8, p: 1 }
const tag = randomBytes(4).toString('hex')
const DISPLAY_NAME = `Minji-${tag}`
const MEMBER_NAME = `Jiho-${tag}`
const GROUP_NAME = `Kim-household-${tag}`
const MESSAGES = [`the spare key is under the blue pot ${tag}`, `할머니 생신은 일요일 ${tag}`]
const MEMBER_MESSAGE = `bring the kimchi ${tag}`
const FILE_TEXT = `FAMILY-RECIPE-${tag}: two cups of flour, one of sugar`
const PASS = `correct horse ${tag}`

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

/** Every file under `dir` (recursively), as relative path → bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    out.set(path.relative(dir, full), fs.readFileSync(full))
  }
  return out
}

function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [file, bytes] of filesOf(dir)) {
    out.set(file, createHash('sha256').update(bytes).digest('hex'))
  }
  return out
}

/** Where any needle appears: in a file's bytes, or in a file's path. */
function plaintextIn(dir: string, needles: Record<string, string>): string[] {
  const hits: string[] = []
  const files = filesOf(dir)
  assert.ok(files.size > 0, `${dir} holds files`)
  for (const [file, bytes] of files) {
    for (const [what, needle] of Object.entries(needles)) {
      if (bytes.includes(Buffer.from(needle, 'utf8'))) hits.push(`${what} in ${file}`)
      if (file.includes(needle)) hits.push(`${what} names ${file}`)
    }
  }
  return hits
}

const messageTexts = (list: z.infer<typeof Message>[]) => list.map((m) => m.text).sort()

/** Runs a CLI command that must succeed. */
async function ok(...args: Parameters<typeof cli>) {
  return (await cli(...args)).ok()
}

describe('encryption at rest', () => {
  test('a sealed peer leaves no plaintext; wrong passphrase changes nothing; the right one brings it all back', async () => {
    const dataDir = dirs.make('sealed-ana')
    await enableVault(dataDir, PASS, { params: FAST })
    const open = (passphrase: string) =>
      PeerHost.open({
        dataDir,
        passphrase,
        name: DISPLAY_NAME,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        kdf: FAST,
      })
    let host = await open(PASS)
    let ana = host.peer!
    const { groupId, invite } = await ana.handlers['groups.create']({ name: GROUP_NAME })
    for (const text of MESSAGES) await ana.handlers['messages.send']({ group: groupId, text })
    const work = dirs.make('sealed-work')
    const original = path.join(work, 'recipe.bin')
    const content = Buffer.concat([Buffer.from(FILE_TEXT), randomBytes(1024 * 1024 + 777)])
    fs.writeFileSync(original, content)
    const added = await ana.handlers['shelf.add']({ group: groupId, path: original })

    const bo = await peers.start(MEMBER_NAME)
    await bo.peer.handlers['groups.join']({ invite })
    await bo.peer.handlers['messages.send']({ group: groupId, text: MEMBER_MESSAGE })
    await until(ana, 'Ana has the member’s message', async () =>
      (await ana.handlers['messages.list']({ group: groupId })).some(
        (m) => m.text === MEMBER_MESSAGE,
      ),
    )
    // A member's address is remembered when identify runs on a connection with a known member:
    // restart Ana, wait for that, and it is in her store.
    await host.stop()
    host = await open(PASS)
    ana = host.peer!
    await new Promise<void>((resolve) =>
      ana.libp2p.addEventListener('peer:identify', (event) => {
        if (event.detail.peerId.toString() === bo.peer.peerId) resolve()
      }),
    )
    const boAddr = bo.peer.addrs()[0]!.replace(/\/p2p\/.*$/, '')

    const chunkSize = 1024 * 1024
    const needles: Record<string, string> = {
      'display name': DISPLAY_NAME,
      'member name': MEMBER_NAME,
      'group name': GROUP_NAME,
      'member message': MEMBER_MESSAGE,
      'file content': FILE_TEXT,
      'file sha256': added.sha256,
      'first chunk hash': sha256Hex(content.subarray(0, chunkSize)),
      'second chunk hash': sha256Hex(content.subarray(chunkSize)),
      "member's address": boAddr,
      ...Object.fromEntries(MESSAGES.map((m, i) => [`message ${i}`, m])),
    }
    // While the peer runs (its WAL and shared-memory files exist) and after it stopped.
    assert.ok(fs.existsSync(path.join(dataDir, SEALED_DIR, 'hearth.db-wal')))
    assert.deepEqual(plaintextIn(dataDir, needles), [])
    await host.stop()
    await bo.peer.stop()
    assert.deepEqual(plaintextIn(dataDir, needles), [])
    // The scan looked at real data: the sealed store does hold the address and the file.
    const vault = await unlockVault(dataDir, PASS)
    const store = vault.store(openSqliteStore(vault.dir))
    assert.deepEqual(
      store
        .knownPeers()
        .find((p) => p.peerId === bo.peer.peerId)
        ?.addrs.includes(boAddr),
      true,
    )
    store.close()
    assert.ok(fs.statSync(path.join(dataDir, SEALED_DIR, 'blobs')).isDirectory())

    const before = fingerprint(dataDir)
    await assert.rejects(open(`${PASS}!`), /does not unlock/)
    assert.deepEqual(fingerprint(dataDir), before, 'a wrong passphrase changed nothing')

    // `hearth serve` with a wrong passphrase: one sentence, exit 1, nothing touched.
    const wrong = await cli(dataDir, ['serve', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], {
      env: { ...process.env, HEARTH_PASSPHRASE: 'not the passphrase' },
    })
    assert.equal(wrong.code, 1)
    assert.equal(wrong.stdout, '')
    assert.match(
      wrong.stderr.trim(),
      /^hearth: That passphrase does not unlock this data folder; nothing was changed\.$/,
    )
    assert.deepEqual(fingerprint(dataDir), before, 'serve with a wrong passphrase changed nothing')

    // A damaged header: one sentence saying so, before any passphrase is asked for.
    const headerFile = path.join(dataDir, 'vault.json')
    const header = fs.readFileSync(headerFile)
    fs.writeFileSync(headerFile, header.subarray(0, header.length - 30))
    const damagedBefore = fingerprint(dataDir)
    const damaged = await cli(dataDir, ['serve', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
    assert.equal(damaged.code, 1)
    assert.match(
      damaged.stderr.trim(),
      /^hearth: The encryption header .* is damaged \(.*\); without it the data cannot be unlocked\.$/,
    )
    assert.deepEqual(fingerprint(dataDir), damagedBefore)
    fs.writeFileSync(headerFile, header)

    host = await open(PASS)
    ana = host.peer!
    try {
      assert.equal((await ana.handlers['identity.get']({})).name, DISPLAY_NAME)
      assert.deepEqual(
        (await ana.handlers['groups.list']({})).map((g) => g.name),
        [GROUP_NAME],
      )
      assert.deepEqual(
        messageTexts(await ana.handlers['messages.list']({ group: groupId })),
        [...MESSAGES, MEMBER_MESSAGE].sort(),
      )
      const out = path.join(work, 'back.bin')
      await ana.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out })
      assert.ok(fs.readFileSync(out).equals(content))
    } finally {
      await host.stop()
    }
  })

  test('hearth serve: passphrase from a file descriptor, a change through the CLI, then from a prompt', async (t) => {
    const dataDir = dirs.make('serve-fd')
    await enableVault(dataDir, PASS, { params: FAST })
    // The passphrase goes in through fd 3, a pipe nobody else can read.
    const withFd3 =
      (text: string): Spawner =>
      (command, args, options) => {
        const child = spawn(command, args, {
          ...options,
          stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        })
        const fd3 = child.stdio[3] as NodeJS.WritableStream
        fd3.end(`${text}\n`)
        return child
      }
    const listen = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', DISPLAY_NAME]
    const serve = await startServe({
      dataDir,
      args: [...listen, '--passphrase-fd', '3'],
      spawn: withFd3(PASS),
    })
    t.after(() => serve.kill9())
    const created = z.object({ groupId: z.string(), invite: z.string() })
    const { groupId } = (await ok(dataDir, ['group', 'create', GROUP_NAME, '--json'])).json(created)
    await ok(dataDir, ['send', groupId, MESSAGES[0]!])
    const file = path.join(dirs.make('serve-fd-work'), 'menu.txt')
    fs.writeFileSync(file, FILE_TEXT)
    await ok(dataDir, ['shelf', 'add', groupId, file])

    const chunks = path.join(dataDir, SEALED_DIR, 'blobs', 'chunks')
    const chunksBefore = fingerprint(chunks)
    assert.equal(chunksBefore.size, 1)
    const newPass = `a new passphrase ${tag}`
    const changed = await cli(dataDir, ['vault', 'passphrase', '--json'], {
      env: { ...process.env, HEARTH_PASSPHRASE: PASS, HEARTH_NEW_PASSPHRASE: newPass },
    })
    assert.deepEqual(changed.ok().json(z.object({ state: z.string(), portable: z.boolean() })), {
      state: 'unlocked',
      portable: false,
    })
    assert.deepEqual(fingerprint(chunks), chunksBefore, 'no chunk was rewritten')
    await serve.stop()

    const old = await cli(dataDir, ['serve', ...listen], {
      env: { ...process.env, HEARTH_PASSPHRASE: PASS },
    })
    assert.equal(old.code, 1, 'the old passphrase no longer opens it')

    if (spawnSync('script', ['--version']).error !== undefined) {
      t.skip('util-linux `script` is not installed: no pty for the prompt test')
      return
    }
    // A terminal: serve asks, and what is typed is not echoed.
    const command = [process.execPath, HEARTH_BIN, 'serve', '--data-dir', dataDir, ...listen]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ')
    // `exec`: script runs the command through $SHELL -c, and dash (Debian's /bin/sh, which script
    // uses when SHELL is unset, as in CI) would stay in between and die of the Ctrl-C itself (130).
    const pty = spawn('script', ['-qec', `exec ${command}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    t.after(() => pty.kill('SIGKILL'))
    let output = ''
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) resolve()
        }
        pty.stdout.setEncoding('utf8').on('data', (s: string) => {
          output += s
          check()
        })
        pty.once('exit', () => reject(new Error(`the pty ended before ${pattern}:\n${output}`)))
        check()
      })
    await seen(/Passphrase for .*: /)
    pty.stdin.write(`${newPass}\r`)
    await seen(/\{"ready":true[^\n]*\}/)
    const readyLine = /\{"ready":true[^\n]*\}/.exec(output)![0]
    ServeReady.parse(JSON.parse(readyLine))
    assert.ok(!output.includes(newPass), 'the passphrase was not echoed')
    const listed = (await ok(dataDir, ['messages', groupId, '--json'])).json(z.array(Message))
    assert.deepEqual(messageTexts(listed), [MESSAGES[0]])
    // Ctrl-C on the terminal: the peer stops cleanly.
    const exit = new Promise<number | null>((resolve) => pty.once('exit', resolve))
    pty.stdin.write('\u0003')
    assert.equal(await exit, 0)
  })

  test('turning encryption on under a running plaintext peer keeps everything and leaves no plaintext', async (t) => {
    const dataDir = dirs.make('enable-cli')
    const listen = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', DISPLAY_NAME]
    let serve = await startServe({ dataDir, args: listen })
    t.after(() => serve.kill9())
    const created = z.object({ groupId: z.string(), invite: z.string() })
    const { groupId } = (await ok(dataDir, ['group', 'create', GROUP_NAME, '--json'])).json(created)
    for (const text of MESSAGES) await ok(dataDir, ['send', groupId, text])
    const file = path.join(dirs.make('enable-cli-work'), 'menu.txt')
    fs.writeFileSync(file, FILE_TEXT)
    const { fileId } = (await ok(dataDir, ['shelf', 'add', groupId, file, '--json'])).json(
      z.object({ fileId: z.string(), sha256: z.string() }),
    )
    // Before: the plaintext is there to find, so the scan below can fail.
    assert.ok(plaintextIn(dataDir, { 'file content': FILE_TEXT }).length > 0)

    const enable = await cli(dataDir, ['vault', 'enable', '--passphrase-fd', '3'], {
      spawn: (command, args, options) => {
        const child = spawn(command, args, {
          ...options,
          stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        })
        ;(child.stdio[3] as NodeJS.WritableStream).end(`${PASS}\n`)
        return child
      },
    })
    assert.match(enable.ok().stdout, /Encryption is on/)
    const listed = (await ok(dataDir, ['messages', groupId, '--json'])).json(z.array(Message))
    assert.deepEqual(messageTexts(listed), [...MESSAGES].sort(), 'the running peer kept everything')
    await serve.stop()

    const fileHash = createHash('sha256').update(FILE_TEXT).digest('hex')
    assert.deepEqual(
      plaintextIn(dataDir, {
        'display name': DISPLAY_NAME,
        'group name': GROUP_NAME,
        'file content': FILE_TEXT,
        'file sha256': fileHash,
        ...Object.fromEntries(MESSAGES.map((m, i) => [`message ${i}`, m])),
      }),
      [],
    )
    assert.deepEqual(fs.readdirSync(dataDir).sort(), [SEALED_DIR, 'vault.json'])

    serve = await startServe({
      dataDir,
      args: listen,
      env: { ...process.env, HEARTH_PASSPHRASE: PASS },
    })
    try {
      const out = path.join(dirs.make('enable-cli-out'), 'menu.txt')
      await ok(dataDir, ['shelf', 'get', groupId, fileId, '--out', out])
      assert.equal(fs.readFileSync(out, 'utf8'), FILE_TEXT)
      const again = (await ok(dataDir, ['messages', groupId, '--json'])).json(z.array(Message))
      assert.deepEqual(messageTexts(again), [...MESSAGES].sort())
      const status = (await ok(dataDir, ['status', '--json'])).json(
        z.object({ encrypted: z.boolean() }),
      )
      assert.equal(status.encrypted, true)
    } finally {
      await serve.stop()
    }
  })

  test('a backup restored in place on an encrypted new install stays sealed', async () => {
    // Ana's old device, with a group, a message and a shelf file, backs itself up.
    const ana = await peers.start(DISPLAY_NAME)
    const { groupId } = await ana.peer.handlers['groups.create']({ name: GROUP_NAME })
    await ana.peer.handlers['messages.send']({ group: groupId, text: MESSAGES[0]! })
    const work = dirs.make('restore-sealed-work')
    const file = path.join(work, 'menu.txt')
    fs.writeFileSync(file, FILE_TEXT)
    await ana.peer.handlers['shelf.add']({ group: groupId, path: file })
    const backup = path.join(work, 'ana.hearth-backup')
    await ana.peer.handlers['backup.create']({ path: backup, passphrase: PASS, files: true })
    await ana.peer.stop()

    // Her new stick: encrypted at first run, then "Restore from a backup".
    const dataDir = dirs.make('restore-sealed')
    await enableVault(dataDir, `stick ${PASS}`, { params: FAST })
    const options = {
      dataDir,
      passphrase: `stick ${PASS}`,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    }
    let host = await PeerHost.open(options)
    const restored = await host.handlers['backup.restore']({ path: backup, passphrase: PASS })
    assert.equal(restored.peerId, ana.peer.peerId)
    assert.equal(host.peer?.peerId, ana.peer.peerId)
    await host.stop()
    assert.deepEqual(
      plaintextIn(dataDir, {
        'display name': DISPLAY_NAME,
        'group name': GROUP_NAME,
        message: MESSAGES[0]!,
        'file content': FILE_TEXT,
      }),
      [],
    )
    assert.deepEqual(fs.readdirSync(dataDir).sort(), [SEALED_DIR, 'vault.json'])

    host = await PeerHost.open(options)
    try {
      assert.equal(host.peer?.peerId, ana.peer.peerId, 'the same member, from the sealed folder')
      const texts = messageTexts(await host.handlers['messages.list']({ group: groupId }))
      assert.deepEqual(texts, [MESSAGES[0]])
      const [shelved] = await host.handlers['shelf.list']({ group: groupId })
      assert.equal(shelved?.local, true)
    } finally {
      await host.stop()
    }
  })
})
