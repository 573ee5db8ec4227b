import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { PathProbe } from '../peer/portable/layout.ts'
import { chooseDataDir, defaultDataDir, PROGRAM_DIR } from './data-dir.ts'

const program = path.resolve('/media/stick/Hearth')

function probe(files: string[] = [], dirs: string[] = []): PathProbe {
  return {
    isFile: (p) => files.includes(p),
    isDirectory: (p) => dirs.includes(p),
  }
}

describe('which data folder the hearth command uses', () => {
  test('the program folder is the package folder, the one holding bin/hearth.js', () => {
    assert.ok(path.isAbsolute(PROGRAM_DIR))
    assert.equal(path.basename(path.join(PROGRAM_DIR, 'bin', 'hearth.js')), 'hearth.js')
    assert.ok(
      import.meta.filename.startsWith(PROGRAM_DIR),
      'this very file lies inside the program folder',
    )
  })

  test('without flags or markers: HEARTH_DATA_DIR, else the platform folder', () => {
    const env = { HEARTH_DATA_DIR: '/data/h' }
    assert.deepEqual(chooseDataDir({ env, programDir: program, probe: probe() }), {
      dir: path.resolve('/data/h'),
      portable: false,
    })
    assert.deepEqual(chooseDataDir({ env: {}, programDir: program, probe: probe() }), {
      dir: defaultDataDir({}),
      portable: false,
    })
  })

  test('--portable, the marker file, or a HearthData folder beside the program: HearthData there', () => {
    const expected = { dir: path.join(program, 'HearthData'), portable: true }
    const env = { HEARTH_DATA_DIR: '/host/owner/hearth' }
    assert.deepEqual(
      chooseDataDir({ portable: true, env, programDir: program, probe: probe() }),
      expected,
    )
    assert.deepEqual(
      chooseDataDir({
        env,
        programDir: program,
        probe: probe([path.join(program, 'hearth-portable')]),
      }),
      expected,
      'the marker beats the host owner’s HEARTH_DATA_DIR',
    )
    assert.deepEqual(
      chooseDataDir({
        env,
        programDir: program,
        probe: probe([], [path.join(program, 'HearthData')]),
      }),
      expected,
    )
    // A folder named like the marker, or a file named like the data folder, is not a marker.
    assert.equal(
      chooseDataDir({
        env,
        programDir: program,
        probe: probe([path.join(program, 'HearthData')], [path.join(program, 'hearth-portable')]),
      }).portable,
      false,
    )
  })

  test('--data-dir wins over everything, and --portable with it keeps that folder', () => {
    const markers = probe([path.join(program, 'hearth-portable')])
    assert.deepEqual(
      chooseDataDir({ dataDir: 'rel/d', env: {}, programDir: program, probe: markers }),
      { dir: path.resolve('rel/d'), portable: false },
    )
    assert.deepEqual(
      chooseDataDir({
        dataDir: '/x',
        portable: true,
        env: {},
        programDir: program,
        probe: markers,
      }),
      { dir: path.resolve('/x'), portable: true },
    )
  })
})
