import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { counted, sizeText } from './format.ts'
import { main, parseDuration, parseSize } from './main.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

async function run(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('hearth command line', () => {
  test('--help prints usage and exits 0; no command at all is bad usage (2)', async () => {
    const help = await run('--help')
    assert.equal(help.code, 0)
    assert.match(help.out, /hearth serve/)
    const none = await run()
    assert.equal(none.code, 2)
    assert.match(none.err, /Usage: hearth/)
  })

  test('bad usage exits 2 with one sentence on stderr', async () => {
    for (const argv of [
      ['frobnicate'],
      ['group', 'explode', 'x'],
      ['send', 'Family'],
      ['send', 'Family', 'hi', 'extra'],
      ['groups', '--uses', '3'],
      ['groups', '--no-such-option'],
      ['group', 'invite', 'Family', '--expires', 'soon', '--data-dir', dir],
      ['group', 'invite', 'Family', '--uses', '0', '--data-dir', dir],
      ['messages', 'Family', '--limit', 'ten', '--data-dir', dir],
      ['serve', 'extra'],
      ['shelf', 'get', 'Family', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', '--data-dir', dir],
      ['shelf', 'mv', 'Family', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', '--data-dir', dir],
      ['shelf', 'ls', 'Family', '--out', 'x', '--data-dir', dir],
      ['shelf', 'add', 'Family', '--data-dir', dir],
      ['backup', '--data-dir', dir],
      ['backup', 'a', 'b', '--data-dir', dir],
      ['restore', '--files', 'x.backup', '--data-dir', dir],
      ['bundle', 'export', 'Family', '--data-dir', dir],
      ['bundle', 'export', 'Family', 'f', '--max-file-size', 'lots', '--data-dir', dir],
      ['bundle', 'import', 'f', '--passphrase-fd', '3', '--data-dir', dir],
      // No peer, so restore runs here, and it has no passphrase to read (no terminal, no env).
      ['restore', 'x.backup', '--data-dir', path.join(dir, 'fresh')],
      ['vault', 'unlock', '--passphrase-fd', 'three', '--data-dir', dir],
      ['vault', 'status', '--passphrase-fd', '3', '--data-dir', dir],
      ['serve', '--passphrase-fd', '-1', '--data-dir', dir],
      ['vault', 'enable', '--new-passphrase-fd', '3', '--data-dir', dir],
    ]) {
      const r = await run(...argv)
      assert.equal(r.code, 2, `${argv.join(' ')} → ${r.err}`)
      assert.match(r.err, /^hearth: /)
      assert.equal(r.out, '')
    }
  })

  test('with no peer running on the data folder every control command exits 3 and says so', async () => {
    for (const argv of [
      ['groups'],
      ['send', 'Family', 'hi'],
      ['peers', '--json'],
      ['backup', '/tmp/x.backup'],
      ['bundle', 'import', '/tmp/x.bundle'],
      ['vault', 'status'],
      ['vault', 'unlock'],
    ]) {
      const r = await run(...argv, '--data-dir', dir)
      assert.equal(r.code, 3)
      assert.match(r.err, /No Hearth peer is running on .*hearth serve --data-dir/)
    }
  })

  test('a stale api.json (the peer was killed) also means no peer: exit 3', async () => {
    const stale = fs.mkdtempSync(path.join(dir, 'stale-'))
    // Port 9 (discard) on loopback has no listener here; the token is well-formed.
    fs.writeFileSync(
      path.join(stale, 'api.json'),
      JSON.stringify({ api: 'ws://127.0.0.1:9', token: 'x'.repeat(43), pid: 999999, peerId: 'p' }),
    )
    const r = await run('groups', '--data-dir', stale)
    assert.equal(r.code, 3)
  })

  test('sizes read like 50M, 1G, 200K or bytes', () => {
    assert.equal(parseSize('50M'), 50 * 1024 * 1024)
    assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3)
    assert.equal(parseSize('200kb'), 200 * 1024)
    assert.equal(parseSize('1048576'), 1048576)
    assert.throws(() => parseSize('big'), /not a size/)
  })

  test('sizes and counts are printed as people say them (not "1 groups", "52428800 bytes")', () => {
    assert.equal(sizeText(50 * 1024 * 1024), '50M')
    assert.equal(sizeText(1024 ** 3), '1G')
    assert.equal(sizeText(parseSize(sizeText(200 * 1024))), '200K', 'what is printed reads back')
    assert.equal(sizeText(1000), '1000 bytes')
    assert.equal(sizeText(1), '1 byte')
    assert.equal(counted(1, 'group'), '1 group')
    assert.equal(counted(2, 'shelf file'), '2 shelf files')
    assert.equal(counted(0, 'member'), '0 members')
  })

  test('durations read like 30m, 12h, 7d', () => {
    assert.equal(parseDuration('30m'), 30 * 60_000)
    assert.equal(parseDuration('12h'), 12 * 3_600_000)
    assert.equal(parseDuration('7d'), 7 * 86_400_000)
    assert.throws(() => parseDuration('7 weeks'), /not a duration/)
  })
})
