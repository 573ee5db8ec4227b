import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { cli, startServe, tempDirs, until, type Serve } from './proc.ts'

const FAKE = fileURLToPath(new URL('./fixtures/fake-hearth.ts', import.meta.url))
const Status = z.object({ peerId: z.string(), api: z.string(), args: z.array(z.string()) })

describe('startServe', () => {
  const dirs = tempDirs()
  const started: Serve[] = []
  after(async () => {
    await Promise.all(started.map((s) => s.kill9()))
    dirs.removeAll()
  })

  test('resolves with the ready line, and stop() sees the peer exit 0', async () => {
    const dataDir = dirs.make('serve')
    const serve = await startServe({ dataDir, bin: FAKE, args: ['--name', 'Ann'] })
    started.push(serve)
    assert.equal(serve.ready.ready, true)
    assert.match(serve.ready.api, /^ws:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(serve.ready.peerId, '12D3KooWFakeFakeFakeFakeFakeFakeFakeFakeFakeFake')
    assert.ok(fs.existsSync(path.join(dataDir, 'api.json')), 'serve writes api.json when ready')

    await serve.stop()
    assert.equal(serve.proc.exitCode, 0)
    assert.ok(!fs.existsSync(path.join(dataDir, 'api.json')), 'serve removes api.json on exit')
    assert.match(serve.stderr(), /fake-hearth: serving/)
  })

  test('fails with the stderr of a peer that exits before it is ready', async () => {
    await assert.rejects(
      startServe({ dataDir: dirs.make('crash'), bin: FAKE, args: ['--fake-crash'] }),
      (err: Error) => {
        assert.match(err.message, /before it was ready/)
        assert.match(err.message, /code 1/)
        assert.match(err.message, /cannot open the database/)
        return true
      },
    )
  })

  test('fails when the first stdout line is not the ready line', async () => {
    await assert.rejects(
      startServe({ dataDir: dirs.make('chatter'), bin: FAKE, args: ['--fake-chatter'] }),
      /first line of stdout is not JSON:\nstarting up/,
    )
  })

  test('stop() fails when the peer exits with another code', async () => {
    const serve = await startServe({
      dataDir: dirs.make('exit4'),
      bin: FAKE,
      args: ['--fake-exit-code', '4'],
    })
    started.push(serve)
    await assert.rejects(serve.stop(), /ended with code 4, not code 0/)
  })

  test('kill9() ends the peer with SIGKILL, leaving api.json behind as a crash would', async () => {
    const dataDir = dirs.make('kill9')
    const serve = await startServe({ dataDir, bin: FAKE })
    started.push(serve)
    await serve.kill9()
    assert.equal(serve.proc.signalCode, 'SIGKILL')
    assert.ok(fs.existsSync(path.join(dataDir, 'api.json')))
  })
})

describe('cli', () => {
  const dirs = tempDirs()
  const started: Serve[] = []
  after(async () => {
    await Promise.all(started.map((s) => s.kill9()))
    dirs.removeAll()
  })

  test('runs a command against the peer on the data dir and parses its JSON', async () => {
    const dataDir = dirs.make('cli')
    const serve = await startServe({ dataDir, bin: FAKE })
    started.push(serve)
    const result = (await cli(dataDir, ['status', '--json'], { bin: FAKE })).ok()
    assert.equal(result.code, 0)
    const status = result.json(Status)
    assert.equal(status.api, serve.ready.api)
    assert.deepEqual(status.args, ['status', '--json', '--data-dir', dataDir])
  })

  test('reports exit code 3 when no peer runs, and ok() throws with the stderr', async () => {
    const result = await cli(dirs.make('nopeer'), ['status', '--json'], { bin: FAKE })
    assert.equal(result.code, 3)
    assert.match(result.stderr, /No Hearth peer is running/)
    assert.throws(() => result.ok(), /ended with code 3: No Hearth peer is running/)
  })

  test('json() rejects output that is not JSON or is off the contract', async () => {
    const dataDir = dirs.make('text')
    const serve = await startServe({ dataDir, bin: FAKE })
    started.push(serve)
    const text = (await cli(dataDir, ['status'], { bin: FAKE })).ok()
    assert.throws(() => text.json(Status), /printed no JSON/)
    const json = (await cli(dataDir, ['status', '--json'], { bin: FAKE })).ok()
    assert.throws(() => json.json(z.object({ groupId: z.string() })), /off the contract/)
  })
})

describe('until', () => {
  test('returns the first truthy value of the probe', async () => {
    let calls = 0
    const value = await until(() => (++calls === 3 ? { calls } : false), {
      what: 'the third call',
      intervalMs: 1,
    })
    assert.deepEqual(value, { calls: 3 })
  })

  test('fails naming what never happened, with the explanation', async () => {
    await assert.rejects(
      until(() => false, {
        what: 'pigs fly',
        timeoutMs: 20,
        intervalMs: 5,
        explain: () => 'pigs: grounded',
      }),
      /timed out after 20 ms waiting until pigs fly\npigs: grounded/,
    )
  })

  test('a probe that throws fails at once instead of being retried', async () => {
    let calls = 0
    await assert.rejects(
      until(
        () => {
          calls++
          throw new Error('broken probe')
        },
        { what: 'never', timeoutMs: 60_000 },
      ),
      /broken probe/,
    )
    assert.equal(calls, 1)
  })
})

test('tempDirs removes every folder it made, and removing twice is harmless', () => {
  const dirs = tempDirs()
  const a = dirs.make('a')
  const b = dirs.make('b/../c')
  fs.writeFileSync(path.join(a, 'file'), 'x')
  assert.ok(path.basename(b).startsWith('hearth-b____c-'), 'labels cannot escape the temp dir')
  dirs.removeAll()
  dirs.removeAll()
  assert.ok(!fs.existsSync(a) && !fs.existsSync(b))
})
