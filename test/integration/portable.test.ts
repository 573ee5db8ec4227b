// Portable mode as a person on a stick uses it: a copy of the program in its own folder, run with
// --portable on a computer whose home, XDG and temp folders are fresh and empty. After a session
// with a group, messages and a shelf file those folders are still empty; the data folder holds
// only what FAT32 can; nothing stored names the absolute path; and the whole folder moved to
// another path works the same (same peer, same messages, same file).
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { commands } from '../../shared/api/contract.ts'
import { fatProblems } from '../../shared/peer/portable/fat.ts'
import { cli, startServe, tempDirs } from '../helpers/proc.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const dirs = tempDirs()
after(() => dirs.removeAll())

/** The program as it sits on a stick: its own copy of the code, the dependencies linked in. */
function copyProgram(into: string): string {
  const program = path.join(into, 'Hearth')
  fs.mkdirSync(program)
  for (const part of ['bin', 'shared']) {
    fs.cpSync(path.join(REPO, part), path.join(program, part), { recursive: true })
  }
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(program, 'package.json'))
  // The test's own link, beside the program (not in HearthData): copying node_modules is slow.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(program, 'node_modules'), 'dir')
  return program
}

/** A computer nobody used yet: every folder a program might write to is empty. */
function freshHost() {
  const root = dirs.make('host')
  const folders = {
    HOME: path.join(root, 'home'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_STATE_HOME: path.join(root, 'state'),
    XDG_RUNTIME_DIR: path.join(root, 'runtime'),
    TMPDIR: path.join(root, 'tmp'),
  }
  for (const dir of Object.values(folders)) fs.mkdirSync(dir, { mode: 0o700 })
  // Only what a program needs to run; nothing of this machine's own Hearth or Node settings.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...folders,
    TMP: folders.TMPDIR,
    TEMP: folders.TMPDIR,
  }
  return { root, folders, env }
}

function listTree(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.join(path.relative(dir, e.parentPath), e.name) + (e.isDirectory() ? '/' : ''))
}

function assertEmpty(folders: Record<string, string>, when: string): void {
  const written = Object.entries(folders).flatMap(([name, dir]) =>
    listTree(dir).map((entry) => `${name}: ${entry}`),
  )
  assert.deepEqual(
    written,
    [],
    `${when}, the host's folders must be empty, but hold:\n${written.join('\n')}`,
  )
}

/** Every file under dir whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle)
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => fs.readFileSync(file).includes(bytes))
}

const SERVE = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const Status = commands['status.get'].output

describe('portable mode', () => {
  test('a session leaves nothing on the host, and the moved folder carries on', async () => {
    const host = freshHost()
    let program = copyProgram(dirs.make('stick-a'))
    let bin = path.join(program, 'bin', 'hearth.js')
    const files = dirs.make('files')
    const menu = path.join(files, 'menu.txt')
    fs.writeFileSync(menu, 'rice, kimchi, soup\n'.repeat(1000))

    let serve = await startServe({
      dataDir: null,
      bin,
      env: host.env,
      args: ['--portable', '--name', 'Ana', ...SERVE],
    })
    const peerId = serve.ready.peerId
    const run = (args: string[]) => cli(null, args, { bin, env: host.env })
    let data = path.join(program, 'HearthData')
    try {
      const status = (await run(['status', '--json'])).ok().json(Status)
      assert.equal(status.portable, true)
      assert.equal(status.dataDir, data, 'the other commands found the same folder')

      const { groupId } = (await run(['group', 'create', 'Family', '--json']))
        .ok()
        .json(commands['groups.create'].output)
      for (const text of ['dinner at 7?', 'yes', 'bring the kimchi']) {
        ;(await run(['send', groupId, text])).ok()
      }
      const added = (await run(['shelf', 'add', groupId, menu, '--json']))
        .ok()
        .json(commands['shelf.add'].output)
      await serve.stop()
      assertEmpty(host.folders, 'after the first session')

      assert.deepEqual(await fatProblems(data), [], 'everything written fits a FAT32 stick')
      assert.deepEqual(
        filesContaining(data, path.dirname(program)),
        [],
        'nothing stored names where the stick was mounted',
      )

      // The stick comes up elsewhere (another drive letter, another mount point).
      const moved = path.join(dirs.make('stick-b'), 'E', 'Hearth')
      fs.mkdirSync(path.dirname(moved))
      fs.renameSync(program, moved)
      program = moved
      bin = path.join(program, 'bin', 'hearth.js')
      data = path.join(program, 'HearthData')
      // No --portable this time: the HearthData folder beside the program is the marker.
      serve = await startServe({ dataDir: null, bin, env: host.env, args: SERVE })
      assert.equal(serve.ready.peerId, peerId, 'the same device')
      const again = (args: string[]) => cli(null, args, { bin, env: host.env })
      assert.equal((await again(['status', '--json'])).ok().json(Status).dataDir, data)
      const messages = (await again(['messages', groupId, '--json']))
        .ok()
        .json(commands['messages.list'].output)
      assert.deepEqual(
        messages.map((m) => m.text),
        ['dinner at 7?', 'yes', 'bring the kimchi'],
      )
      const out = path.join(files, 'menu-again.txt')
      ;(await again(['shelf', 'get', groupId, added.fileId, '--out', out])).ok()
      assert.deepEqual(fs.readFileSync(out), fs.readFileSync(menu))
      await serve.stop()
      assertEmpty(host.folders, 'after the second session')
    } finally {
      // A failed assertion leaves the peer running; it must not outlive the test.
      if (serve.proc.exitCode === null && serve.proc.signalCode === null) await serve.kill9()
    }
  })
})
