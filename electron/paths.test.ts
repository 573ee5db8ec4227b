import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultDataDir } from '../shared/cli/data-dir.ts'
import type { PathProbe } from '../shared/peer/portable/layout.ts'
import {
  APP_NAME,
  applyPortable,
  findPortable,
  programDir,
  resolveDataDir,
  windowStateFile,
  type PortableApp,
  type ProgramSources,
} from './paths.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-paths-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))

describe('resolveDataDir', () => {
  const userDataDir = path.resolve('/home/minsu/.config/Hearth')
  const userData = () => userDataDir

  test('without HEARTH_DATA_DIR the platform user data folder is used', () => {
    assert.deepEqual(resolveDataDir({ env: {}, userData }), {
      dir: userDataDir,
      source: 'user-data',
    })
    assert.deepEqual(resolveDataDir({ env: { HEARTH_DATA_DIR: '  ' }, userData }), {
      dir: userDataDir,
      source: 'user-data',
    })
  })

  test('HEARTH_DATA_DIR comes next, made absolute', () => {
    assert.deepEqual(resolveDataDir({ env: { HEARTH_DATA_DIR: '/data/hearth' }, userData }), {
      dir: path.resolve('/data/hearth'),
      source: 'env',
    })
    const relative = resolveDataDir({ env: { HEARTH_DATA_DIR: 'rel/dir' }, userData })
    assert.equal(relative.dir, path.resolve('rel/dir'))
    assert.ok(path.isAbsolute(relative.dir))
  })

  test('a portable folder wins, even over HEARTH_DATA_DIR (the host owner’s setting)', () => {
    const portableDir = path.resolve('/media/usb/HearthData')
    const unused = () => assert.fail('userData is not asked for when portable')
    assert.deepEqual(resolveDataDir({ env: {}, userData: unused, portableDir }), {
      dir: portableDir,
      source: 'portable',
    })
    assert.equal(
      resolveDataDir({ env: { HEARTH_DATA_DIR: '/x' }, userData, portableDir }).source,
      'portable',
    )
  })

  test('the app and the hearth command agree on the folder name', () => {
    // Electron puts userData in <appData>/<app name>; the CLI computes the same path itself.
    assert.equal(path.basename(defaultDataDir({})), APP_NAME)
  })

  test('the window state lives in the data folder', () => {
    assert.equal(windowStateFile(userDataDir), path.join(userDataDir, 'window-state.json'))
  })
})

const packaged = (execPath: string, platform: NodeJS.Platform, env = {}): ProgramSources => ({
  execPath,
  platform,
  env,
  isPackaged: true,
  appPath: '/ignored',
})

describe('beside the executable', () => {
  test('Windows and Linux: the executable’s folder', () => {
    const win = path.resolve('/E/Hearth/hearth-desktop.exe')
    assert.equal(programDir(packaged(win, 'win32')), path.resolve('/E/Hearth'))
    const linux = path.resolve('/media/ana/STICK/Hearth/hearth-desktop')
    assert.equal(programDir(packaged(linux, 'linux')), path.resolve('/media/ana/STICK/Hearth'))
  })

  test('macOS: the folder holding Hearth.app, not inside the bundle', () => {
    const exe = path.resolve('/Volumes/STICK/Hearth/Hearth.app/Contents/MacOS/hearth-desktop')
    assert.equal(programDir(packaged(exe, 'darwin')), path.resolve('/Volumes/STICK/Hearth'))
  })

  test('an AppImage: the folder holding the .AppImage, not its temporary mount', () => {
    const sources = packaged('/tmp/.mount_HearthXyz/hearth-desktop', 'linux', {
      APPIMAGE: '/media/ana/STICK/Hearth.AppImage',
    })
    assert.equal(programDir(sources), path.resolve('/media/ana/STICK'))
  })

  test('npm start: the project folder', () => {
    const dev = {
      ...packaged('/repo/node_modules/electron/dist/electron', 'linux'),
      isPackaged: false,
      appPath: '/repo',
    }
    assert.equal(programDir(dev), path.resolve('/repo'))
  })
})

describe('findPortable', () => {
  const exe = path.resolve('/E/Hearth/hearth-desktop.exe')
  const dir = path.resolve('/E/Hearth')
  const sources = { ...packaged(exe, 'win32'), argv: [exe] }
  const probe = (files: string[], dirs: string[] = []): PathProbe => ({
    isFile: (p) => files.includes(p),
    isDirectory: (p) => dirs.includes(p),
  })

  test('no marker, no flag: not portable', () => {
    assert.equal(findPortable(sources, probe([])), undefined)
  })

  test('the marker file, a HearthData folder, or --portable: HearthData beside the executable', () => {
    const expected = path.join(dir, 'HearthData')
    assert.equal(findPortable(sources, probe([path.join(dir, 'hearth-portable')])), expected)
    assert.equal(findPortable(sources, probe([], [path.join(dir, 'HearthData')])), expected)
    assert.equal(findPortable({ ...sources, argv: [exe, '--portable'] }, probe([])), expected)
  })

  test('on macOS the marker sits beside the .app', () => {
    const mac = path.resolve('/Volumes/S/Hearth/Hearth.app/Contents/MacOS/hearth-desktop')
    const beside = path.resolve('/Volumes/S/Hearth')
    assert.equal(
      findPortable(
        { ...packaged(mac, 'darwin'), argv: [mac] },
        probe([path.join(beside, 'hearth-portable')]),
      ),
      path.join(beside, 'HearthData'),
    )
  })
})

describe('applyPortable', () => {
  function fakeApp() {
    const calls: string[] = []
    const app: PortableApp = {
      setPath: (name, value) => void calls.push(`setPath ${name} ${value}`),
      setAppLogsPath: (value) => void calls.push(`logs ${value}`),
      commandLine: { appendSwitch: (name, value) => void calls.push(`--${name}=${value}`) },
    }
    return { app, calls }
  }

  test('every path Electron and Chromium write to goes inside HearthData, before ready', () => {
    const stick = fs.mkdtempSync(path.join(root, 'stick-'))
    const data = path.join(stick, 'HearthData')
    const env: NodeJS.ProcessEnv = { TMPDIR: '/tmp', NODE_COMPILE_CACHE: '/home/x/.cache/node' }
    const { app, calls } = fakeApp()
    applyPortable(app, data, env, 'linux')
    assert.deepEqual(calls, [
      `setPath userData ${data}`,
      `setPath sessionData ${data}`,
      `setPath temp ${path.join(data, 'tmp')}`,
      `setPath crashDumps ${path.join(data, 'crashes')}`,
      `logs ${path.join(data, 'logs')}`,
      `--disk-cache-dir=${path.join(data, 'cache')}`,
    ])
    for (const dir of ['tmp', 'crashes', 'logs', 'cache']) {
      assert.ok(fs.statSync(path.join(data, dir)).isDirectory(), `${dir} exists (setPath needs it)`)
    }
    assert.equal(env.TMPDIR, path.join(data, 'tmp'))
    assert.equal(env.TEMP, path.join(data, 'tmp'))
    assert.equal(env.NODE_COMPILE_CACHE, undefined)
    assert.equal(env.NODE_DISABLE_COMPILE_CACHE, '1')
    assert.equal(env.XDG_CACHE_HOME, path.join(data, 'cache', 'xdg'))
  })

  test('it empties the temp folder of the last run and keeps the data', () => {
    const stick = fs.mkdtempSync(path.join(root, 'stick-'))
    const data = path.join(stick, 'HearthData')
    fs.mkdirSync(path.join(data, 'tmp'), { recursive: true })
    fs.writeFileSync(path.join(data, 'tmp', 'left-over'), 'x')
    fs.writeFileSync(path.join(data, 'hearth.db'), 'data')
    applyPortable(fakeApp().app, data, {}, 'win32')
    assert.deepEqual(fs.readdirSync(path.join(data, 'tmp')), [])
    assert.equal(fs.readFileSync(path.join(data, 'hearth.db'), 'utf8'), 'data')
  })

  test('a stick that is gone is not recreated on the host', () => {
    const gone = path.join(root, 'no-such-stick', 'HearthData')
    assert.throws(() => applyPortable(fakeApp().app, gone, {}, 'linux'), /ENOENT/)
    assert.equal(fs.existsSync(path.dirname(gone)), false)
  })
})
