// The portable zip, made from fake packaged folders (Forge cannot package here: no Electron
// binary): the marker sits where the app's own start-up logic looks for it, on every platform.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ResolvedForgeConfig } from '@electron-forge/shared-types'
import { findPortable } from './paths.ts'
import { MARKER_TEXT, stagePortable, type StageOptions } from './portable-package.ts'
import { MakerPortableZip } from './portable-zip-maker.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-portable-zip-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = (label: string) => fs.mkdtempSync(path.join(root, `${label}-${n++}-`))

function write(file: string, text = 'x', mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text, { mode })
}

/** What electron-packager leaves for Windows or Linux: the executable among its resources. */
function fakePackaged(platform: 'linux' | 'win32'): string {
  const dir = path.join(fresh('out'), `Hearth-${platform}-x64`)
  write(
    path.join(dir, platform === 'win32' ? 'hearth-desktop.exe' : 'hearth-desktop'),
    'ELF',
    0o755,
  )
  write(path.join(dir, 'resources', 'app.asar'), 'asar')
  write(path.join(dir, 'locales', 'ko.pak'))
  write(path.join(dir, 'LICENSE'))
  return dir
}

function options(packagedDir: string, platform: string): StageOptions {
  return {
    packagedDir,
    platform,
    arch: 'x64',
    version: '0.1.0',
    appName: 'Hearth',
    executableName: 'hearth-desktop',
    stagingDir: fresh('stage'),
  }
}

describe('staging the portable zip', () => {
  for (const platform of ['linux', 'win32'] as const) {
    test(`${platform}: the app's files with the marker beside the executable`, async () => {
      const packaged = fakePackaged(platform)
      const staged = await stagePortable(options(packaged, platform))
      assert.equal(path.basename(staged.folder), 'Hearth')
      assert.deepEqual(
        fs.readdirSync(staged.folder).sort(),
        [
          'LICENSE',
          'hearth-portable',
          platform === 'win32' ? 'hearth-desktop.exe' : 'hearth-desktop',
          'locales',
          'resources',
        ].sort(),
      )
      assert.equal(
        fs.readFileSync(path.join(staged.folder, 'hearth-portable'), 'utf8'),
        MARKER_TEXT,
      )
      assert.equal(path.dirname(staged.executable), staged.folder)
      if (platform === 'linux') {
        assert.equal(fs.statSync(staged.executable).mode & 0o111, 0o111, 'still executable')
      }
      assert.equal(staged.zipName, `Hearth-portable-${platform}-x64-0.1.0.zip`)
      const found = findPortable({
        execPath: staged.executable,
        platform,
        env: {},
        isPackaged: true,
        appPath: '',
        argv: [staged.executable],
      })
      assert.equal(found, path.join(staged.folder, 'HearthData'))
      assert.ok(fs.existsSync(path.join(packaged, 'LICENSE')), 'the packaged folder is untouched')
      assert.ok(!fs.existsSync(path.join(packaged, 'hearth-portable')))
    })
  }

  test('macOS: the whole bundle, its symbolic links kept, the marker beside Hearth.app', async () => {
    const packaged = path.join(fresh('out'), 'Hearth-darwin-arm64')
    const app = path.join(packaged, 'Hearth.app', 'Contents')
    write(path.join(app, 'MacOS', 'hearth-desktop'), 'Mach-O', 0o755)
    const framework = path.join(app, 'Frameworks', 'Electron Framework.framework')
    write(path.join(framework, 'Versions', 'A', 'Electron Framework'))
    fs.symlinkSync('A', path.join(framework, 'Versions', 'Current'))
    write(path.join(packaged, 'LICENSES.chromium.html'))
    const staged = await stagePortable({ ...options(packaged, 'darwin'), arch: 'arm64' })
    assert.deepEqual(fs.readdirSync(staged.folder).sort(), ['Hearth.app', 'hearth-portable'])
    assert.equal(
      fs.readlinkSync(
        path.join(
          staged.folder,
          'Hearth.app',
          'Contents',
          'Frameworks',
          'Electron Framework.framework',
          'Versions',
          'Current',
        ),
      ),
      'A',
    )
    assert.equal(
      staged.executable,
      path.join(staged.folder, 'Hearth.app', 'Contents', 'MacOS', 'hearth-desktop'),
    )
  })

  test('a packaged folder without the executable, or with what FAT cannot hold, is refused', async () => {
    const noExe = fakePackaged('linux')
    fs.rmSync(path.join(noExe, 'hearth-desktop'))
    await assert.rejects(stagePortable(options(noExe, 'linux')), /no executable/)

    const withLink = fakePackaged('linux')
    fs.symlinkSync('resources', path.join(withLink, 'res'))
    await assert.rejects(stagePortable(options(withLink, 'linux')), /symbolic link/)

    const badName = fakePackaged('win32')
    write(path.join(badName, 'resources', 'aux.txt'))
    await assert.rejects(stagePortable(options(badName, 'win32')), /device name/)
  })
})

const zipTools = ['zip', 'unzip'].filter((tool) => spawnSync(tool, ['-v']).error !== undefined)

describe('the maker', { skip: zipTools.length > 0 && `needs ${zipTools.join(' and ')}` }, () => {
  test('npm run make: the portable zip holds the folder Hearth with the marker beside the executable', async () => {
    const makeDir = fresh('make')
    const maker = new MakerPortableZip({}, ['linux'])
    const artifacts = await maker.make({
      dir: fakePackaged('linux'),
      makeDir,
      appName: 'Hearth',
      packageJSON: { version: '0.1.0' },
      targetArch: 'x64',
      targetPlatform: 'linux',
      forgeConfig: { packagerConfig: { executableName: 'hearth-desktop' } } as ResolvedForgeConfig,
    })
    assert.deepEqual(artifacts, [
      path.join(makeDir, 'zip-portable', 'linux', 'x64', 'Hearth-portable-linux-x64-0.1.0.zip'),
    ])
    const listing = execFileSync('unzip', ['-Z1', artifacts[0] as string], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort()
    assert.ok(listing.includes('Hearth/hearth-portable'), listing.join('\n'))
    assert.ok(listing.includes('Hearth/hearth-desktop'), listing.join('\n'))
    assert.ok(listing.includes('Hearth/resources/app.asar'), listing.join('\n'))
    assert.deepEqual(
      fs.readdirSync(makeDir).filter((name) => name.startsWith('portable-staging')),
      [],
      'no staging left behind',
    )
  })
})
