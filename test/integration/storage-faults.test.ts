// A real `hearth serve` whose data folder sits on a small tmpfs made for the test (as root): the
// disk fills up, turns read-only, and vanishes (unmounted) under the running peer, and comes back.
// Each time: a clear error and no false acknowledgement, the bridge keeps answering, messages from
// other members still arrive, and the peer recovers by itself without a restart. After a restart
// every acknowledged message is there and the database passes integrity_check.
//
// The data folder is a bind mount of a folder on the tmpfs, so that "read-only" and "gone" can
// happen while the peer holds its database open: Linux refuses `mount -o remount,ro` while any
// file is open for writing (EBUSY), which sqlite's always is. Swapping the mount under the path
// for a read-only bind of the same files (or for nothing) is what the peer then sees through the
// path — writes refused with EROFS, files not there — exactly as when a drive turns read-only or
// is pulled; the tmpfs itself keeps the files for when they come back.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { commands } from '../../shared/api/contract.ts'
import type { StorageHealth } from '../../shared/api/domain.ts'
import { HearthError } from '../../shared/api/errors.ts'
import { connectToPeer } from '../../shared/cli/connect.ts'
import type { ApiClient } from '../../shared/rpc/index.ts'
import { isProcessAlive } from '../../shared/peer/processes.ts'
import { onAbruptExit } from '../helpers/abrupt-exit.ts'
import { cli, startServe, tempDirs, until, type Serve } from '../helpers/proc.ts'

const SERVE = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux mounts'
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs'
  return undefined
}

const skip = whyNot()
const dirs = tempDirs()

/** Mount points in this mount namespace, most recent last. */
function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
}

function run(cmd: string, ...args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/**
 * Mounts a killed run of this test left behind: their tmpfs is named after the test process,
 * so those of processes that are gone can be found and detached.
 */
function unmountStale(): void {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
  const stale = lines
    .map((line) => ({ point: line.split(' ')[4], source: line.split(' - ')[1]?.split(' ')[1] }))
    .filter(({ source }) => {
      const pid = /^hearth-test-(\d+)$/.exec(source ?? '')?.[1]
      return pid !== undefined && !isProcessAlive(Number(pid))
    })
  // Newest first: the bind mounts sit on top of the tmpfs they show. Folders go once all are off.
  const points = stale.reverse().flatMap(({ point }) => (point === undefined ? [] : [point]))
  for (const point of points) run('umount', '-l', point)
  for (const point of points) fs.rmSync(path.dirname(point), { recursive: true, force: true })
}

/** Every mount at `dir` is detached (lazily: a peer may still hold files there). */
function unmountAll(dir: string): void {
  for (let i = 0; i < 10 && mountPoints().includes(dir); i++) run('umount', '-l', dir)
}

describe('storage faults under a running peer (tmpfs)', { skip }, () => {
  let base: string
  let disk: string
  let stick: string
  let offAbrupt: () => void = () => {}
  const cleanup = () => {
    // The bind first, then the tmpfs under it; whatever a failed test left mounted.
    if (stick) unmountAll(stick)
    if (disk) unmountAll(disk)
    if (base) fs.rmSync(base, { recursive: true, force: true })
  }

  before(() => {
    unmountStale()
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-faults-'))
    disk = path.join(base, 'disk')
    stick = path.join(base, 'stick')
    fs.mkdirSync(disk)
    fs.mkdirSync(stick)
    offAbrupt = onAbruptExit(cleanup)
    run('mount', '-t', 'tmpfs', '-o', 'size=24m,mode=0700', `hearth-test-${process.pid}`, disk)
    fs.mkdirSync(path.join(disk, 'vol'))
    run('mount', '--bind', path.join(disk, 'vol'), stick)
  })
  after(() => {
    cleanup()
    offAbrupt()
    dirs.removeAll()
  })

  test('full, read-only, gone and back: clear errors, no false acknowledgement, recovery, nothing lost', async () => {
    const dataDir = path.join(stick, 'data')
    const vol = path.join(disk, 'vol')
    let ana: Serve | undefined = await startServe({ dataDir, args: [...SERVE, '--name', 'Ana'] })
    const boDir = dirs.make('bo')
    const bo = await startServe({ dataDir: boDir, args: [...SERVE, '--name', 'Bo'] })
    const clients: ApiClient[] = []
    try {
      const { groupId, invite } = (await cli(dataDir, ['group', 'create', 'Family', '--json']))
        .ok()
        .json(commands['groups.create'].output)
      ;(await cli(boDir, ['group', 'join', invite])).ok()

      // The API file, kept where the test can still read it once the data folder is gone.
      const apiCopy = dirs.make('api')
      fs.copyFileSync(path.join(dataDir, 'api.json'), path.join(apiCopy, 'api.json'))
      const connect = async () => {
        const client = await connectToPeer(apiCopy)
        clients.push(client)
        return client
      }
      const client = await connect()
      const boClient = await connectToPeer(boDir)
      clients.push(boClient)

      const acked: string[] = []
      const fromBo: string[] = []
      const send = async (text: string) => {
        await client.call('messages.send', { group: groupId, text })
        acked.push(text)
      }
      const health = async (): Promise<StorageHealth> =>
        (await client.call('status.get', {})).storage
      const waitFor = (what: string, ok: (h: StorageHealth) => boolean) =>
        until(async () => ok(await health()), { what, timeoutMs: 30_000 })
      const refusedWith = (pattern: RegExp) => (err: unknown) => {
        assert.ok(err instanceof HearthError, String(err))
        assert.equal(err.code, 'STORAGE_FAILED')
        assert.match(err.message, pattern)
        return true
      }
      /** Bo writes while Ana cannot save: Ana must show it now and keep it after recovery. */
      const boSendsMeanwhile = async (text: string) => {
        await boClient.call('messages.send', { group: groupId, text })
        fromBo.push(text)
        await until(
          async () =>
            (await client.call('messages.list', { group: groupId, limit: 1000 })).some(
              (m) => m.text === text,
            ),
          { what: `Ana shows "${text}" while she cannot save` },
        )
      }

      for (let i = 0; i < 5; i++) await send(`before ${i}`)

      // ── the disk fills up: first too full for a file, then while four senders are busy ──
      const filler = await fs.promises.open(path.join(disk, 'filler'), 'w')
      const block = Buffer.alloc(64 * 1024, 1)
      const { bavail, bsize } = fs.statfsSync(disk)
      await filler.write(Buffer.alloc(bavail * bsize - 1.25 * 1024 * 1024, 1))
      const big = path.join(dirs.make('files'), 'photos.bin')
      fs.writeFileSync(big, crypto.randomBytes(3 * 1024 * 1024))
      await assert.rejects(
        client.call('shelf.add', { group: groupId, path: big }),
        refusedWith(/^There is not enough free space in Hearth's data folder to store this\. /),
      )
      assert.deepEqual(
        await client.call('shelf.list', { group: groupId }),
        [],
        'no half file listed',
      )
      const failures: unknown[] = []
      const sender = async (n: number) => {
        for (let i = 0; i < 100_000; i++) {
          try {
            await send(`burst ${n}-${i}`)
          } catch (err) {
            failures.push(err)
            return
          }
        }
      }
      const senders = Promise.all([0, 1, 2, 3].map(sender))
      for (;;) {
        try {
          await filler.write(block)
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC')
          break
        }
      }
      await senders
      assert.equal(failures.length, 4, 'every sender was told, none hangs')
      for (const err of failures) refusedWith(/full/)(err)
      await waitFor('Ana reports the full disk', (h) => !h.writable && h.problem === 'disk-full')
      const viaCli = await cli(dataDir, ['send', groupId, 'not now'])
      assert.equal(viaCli.code, 1)
      assert.match(viaCli.stderr.trim(), /^hearth: The disk holding .* is full.*\.$/)
      await boSendsMeanwhile('Bo while the disk is full')

      await filler.close()
      fs.rmSync(path.join(disk, 'filler'))
      await waitFor('Ana saves again after space was freed', (h) => h.writable)
      for (let i = 0; i < 3; i++) await send(`after full ${i}`)

      // ── the folder turns read-only ───────────────────────────────────────────────────
      run('umount', '-l', stick)
      run('mount', '--bind', '-o', 'ro', vol, stick)
      await waitFor('Ana reports the read-only folder', (h) => h.problem === 'read-only')
      await assert.rejects(send('refused read-only'), refusedWith(/read-only/))
      // The bridge still answers, to a client that was connected and to a new one.
      const fresh = await connectToPeer(dataDir)
      clients.push(fresh)
      const seen = (await fresh.call('messages.list', { group: groupId, limit: 1000 })).map(
        (m) => m.text,
      )
      for (const text of acked) assert.ok(seen.includes(text), `"${text}" is still shown`)
      await boSendsMeanwhile('Bo while read-only')

      run('mount', '-o', 'remount,bind,rw', stick)
      await waitFor('Ana saves again once writable', (h) => h.writable)
      for (let i = 0; i < 3; i++) await send(`after read-only ${i}`)

      // ── the folder vanishes (the stick is pulled) and comes back ─────────────────────
      run('umount', '-l', stick)
      await waitFor('Ana reports the folder gone', (h) => h.problem === 'missing')
      await assert.rejects(send('refused gone'), refusedWith(/gone/))
      await boSendsMeanwhile('Bo while the folder is gone')
      assert.deepEqual(
        fs.readdirSync(stick),
        [],
        'nothing was recreated on the host under the empty mount point',
      )
      run('mount', '--bind', vol, stick)
      await waitFor('Ana saves again once the folder is back', (h) => h.writable)
      for (let i = 0; i < 2; i++) await send(`after gone ${i}`)

      for (const c of clients.splice(0)) c.close()
      await ana.stop()
      ana = undefined
      await bo.stop()

      const db = new DatabaseSync(path.join(dataDir, 'hearth.db'))
      try {
        const row = db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }
        assert.equal(row.integrity_check, 'ok')
      } finally {
        db.close()
      }

      // Bo is gone, so only what is on Ana's disk can show.
      ana = await startServe({ dataDir, args: SERVE })
      const listed = (await cli(dataDir, ['messages', groupId, '--limit', '100000', '--json']))
        .ok()
        .json(commands['messages.list'].output)
        .map((m) => m.text)
      const missing = [...acked, ...fromBo].filter((text) => !listed.includes(text))
      assert.deepEqual(missing, [], 'every acknowledged message, and what Bo sent, is on disk')
      for (const text of ['refused read-only', 'refused gone', 'not now']) {
        assert.ok(!listed.includes(text), `"${text}" was refused and is nowhere`)
      }
      assert.equal(new Set(listed).size, listed.length, 'nothing is stored twice')
    } finally {
      for (const c of clients) c.close()
      if (ana) await ana.kill9()
      await bo.kill9()
    }
  })
})
