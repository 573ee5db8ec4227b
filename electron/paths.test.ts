import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { defaultDataDir } from '../shared/cli/data-dir.ts'
import { APP_NAME, resolveDataDir, windowStateFile } from './paths.ts'

describe('resolveDataDir', () => {
  const userData = path.resolve('/home/minsu/.config/Hearth')

  test('without HEARTH_DATA_DIR the platform user data folder is used', () => {
    assert.deepEqual(resolveDataDir({ env: {}, userData }), { dir: userData, source: 'user-data' })
    assert.deepEqual(resolveDataDir({ env: { HEARTH_DATA_DIR: '  ' }, userData }), {
      dir: userData,
      source: 'user-data',
    })
  })

  test('HEARTH_DATA_DIR wins, made absolute', () => {
    assert.deepEqual(resolveDataDir({ env: { HEARTH_DATA_DIR: '/data/hearth' }, userData }), {
      dir: path.resolve('/data/hearth'),
      source: 'env',
    })
    const relative = resolveDataDir({ env: { HEARTH_DATA_DIR: 'rel/dir' }, userData })
    assert.equal(relative.dir, path.resolve('rel/dir'))
    assert.ok(path.isAbsolute(relative.dir))
  })

  test('a portable folder comes between the two', () => {
    const portableDir = path.resolve('/media/usb/Hearth-data')
    assert.deepEqual(resolveDataDir({ env: {}, userData, portableDir }), {
      dir: portableDir,
      source: 'portable',
    })
    assert.equal(
      resolveDataDir({ env: { HEARTH_DATA_DIR: '/x' }, userData, portableDir }).source,
      'env',
    )
  })

  test('the app and the hearth command agree on the folder name', () => {
    // Electron puts userData in <appData>/<app name>; the CLI computes the same path itself.
    assert.equal(path.basename(defaultDataDir({})), APP_NAME)
  })

  test('the window state lives in the data folder', () => {
    assert.equal(windowStateFile(userData), path.join(userData, 'window-state.json'))
  })
})
