// A peer comes back on the port it had, so members who remember its address reach it after a
// restart even where mDNS cannot help.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServe, tempDirs } from '../helpers/proc.ts'

const dirs = tempDirs()
after(() => dirs.removeAll())

const tcpPort = (addrs: string[]) =>
  addrs.map((a) => /\/tcp\/(\d+)/.exec(a)?.[1]).find((p) => p !== undefined)

describe('listening port', () => {
  test('hearth serve without --listen reuses the port of its last run', async () => {
    const dataDir = dirs.make('port')
    const first = await startServe({ dataDir, args: ['--no-mdns'] })
    const port = tcpPort(first.ready.addrs)
    assert.ok(port, `a TCP address in ${first.ready.addrs.join(', ')}`)
    await first.stop()
    const second = await startServe({ dataDir, args: ['--no-mdns'] })
    assert.equal(tcpPort(second.ready.addrs), port)
    await second.stop()
  })
})
