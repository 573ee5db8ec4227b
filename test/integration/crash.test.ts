// kill -9 in the middle of a burst of sends: every acknowledged message survives, exactly once,
// and the database opens cleanly. The peer runs as a real `hearth serve` process.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { commands } from '../../shared/api/contract.ts'
import { HearthError } from '../../shared/api/errors.ts'
import { connectToPeer } from '../../shared/cli/connect.ts'
import { cli, startServe, tempDirs } from '../helpers/proc.ts'

const dirs = tempDirs()
after(() => dirs.removeAll())

const SERVE_ARGS = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']

describe('crash safety', () => {
  for (const killAfter of [25, 140]) {
    test(`kill -9 after ${killAfter} acknowledged sends loses none of them`, async () => {
      const dataDir = dirs.make('crash')
      let serve = await startServe({ dataDir, args: SERVE_ARGS })
      const created = await cli(dataDir, ['group', 'create', 'Burst', '--json'])
      const { groupId } = created.json(commands['groups.create'].output)

      const client = await connectToPeer(dataDir)
      const acked: string[] = []
      let killed: Promise<void> | undefined
      // Eight senders in parallel keep writes in flight at the moment of the kill.
      const sender = async (n: number) => {
        for (let i = 0; ; i++) {
          try {
            const { messageId } = await client.call('messages.send', {
              group: groupId,
              text: `burst ${n}-${i}`,
            })
            acked.push(messageId)
            if (acked.length === killAfter) killed = serve.kill9()
          } catch (err) {
            // Only the connection dying is expected here; anything else is a real failure.
            assert.ok(err instanceof HearthError && err.code === 'PEER_STOPPED', String(err))
            return
          }
        }
      }
      await Promise.all(Array.from({ length: 8 }, (_, n) => sender(n)))
      await killed

      const db = new DatabaseSync(path.join(dataDir, 'hearth.db'))
      assert.equal(
        (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
        'ok',
      )
      db.close()

      serve = await startServe({ dataDir, args: SERVE_ARGS })
      const listed = await cli(dataDir, ['messages', groupId, '--limit', '100000', '--json'])
      const ids = listed.json(commands['messages.list'].output).map((m) => m.id)
      assert.equal(new Set(ids).size, ids.length, 'no message is stored twice')
      const missing = acked.filter((id) => !ids.includes(id))
      assert.deepEqual(missing, [], 'every acknowledged message is there after the restart')
      assert.ok(acked.length >= killAfter)
      await serve.stop()
    })
  }
})
