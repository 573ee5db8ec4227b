// Three real `hearth serve` processes on a private LAN, with no --peer: they can only find each
// other by mDNS. They form a group, chat, lose one host to a partition, write on both sides of it,
// and must hold identical chats once it heals.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { commands, type Message } from '../../shared/api/index.ts'
import { cleanupStale, createLan, lanAvailable, type LanHost } from '../helpers/netns.ts'
import { cli, startServe, tempDirs, until, type CliResult, type Serve } from '../helpers/proc.ts'

const available = lanAvailable()

const Created = commands['groups.create'].output
const Invited = commands['groups.invite'].output
const Joined = commands['groups.join'].output
const Sent = commands['messages.send'].output
const GroupList = commands['groups.list'].output
const MessageList = commands['messages.list'].output
const PeerList = commands['peers.list'].output

test(
  'three peers find each other by mDNS, chat, and converge after a partition heals',
  { skip: available.ok ? false : available.reason, timeout: 10 * 60_000 },
  async (t) => {
    await cleanupStale()
    const dirs = tempDirs()
    const lan = await createLan({ hosts: 4, prefix: '10.231.9' })
    t.after(async () => {
      try {
        await lan.destroy()
      } finally {
        dirs.removeAll()
      }
    })
    // Hosts 1–3 are the family; host 4 runs Hearth too but is in none of their groups.
    const [host1, host2, host3, stranger] = lan.hosts as [LanHost, LanHost, LanHost, LanHost]
    const hosts = [host1, host2, host3]
    const dataDirs = new Map(lan.hosts.map((h) => [h.name, dirs.make(h.name)]))
    const dataDir = (host: LanHost): string => {
      const dir = dataDirs.get(host.name)
      if (!dir) throw new Error(`no data dir for ${host.name}`)
      return dir
    }
    const hearth = async (host: LanHost, args: string[]): Promise<CliResult> =>
      (await cli(dataDir(host), [...args, '--json'], { spawn: lan.spawner(host) })).ok()

    // --listen pins each peer to its LAN address; there is no --peer anywhere.
    const serves: Serve[] = await Promise.all(
      hosts.map((host) =>
        startServe({
          dataDir: dataDir(host),
          args: ['--name', host.name, '--listen', `/ip4/${host.ip}/tcp/0`],
          spawn: lan.spawner(host),
        }),
      ),
    )
    const strangerServe = await startServe({
      dataDir: dataDir(stranger),
      args: ['--name', 'Stranger', '--listen', `/ip4/${stranger.ip}/tcp/0`],
      spawn: lan.spawner(stranger),
    })
    serves.push(strangerServe)
    const peerIds = serves.slice(0, 3).map((s) => s.ready.peerId)
    hosts.forEach((host, i) => {
      const addrs = serves[i]?.ready.addrs ?? []
      assert.ok(
        addrs.some((a) => a.startsWith(`/ip4/${host.ip}/tcp/`)),
        `${host.name} listens on its LAN address: ${addrs.join(' ')}`,
      )
    })

    const { groupId, invite } = (await hearth(host1, ['group', 'create', 'Family'])).json(Created)
    const second = (await hearth(host1, ['group', 'invite', groupId])).json(Invited)
    assert.equal((await hearth(host2, ['group', 'join', invite])).json(Joined).groupId, groupId)
    assert.equal(
      (await hearth(host3, ['group', 'join', second.invite])).json(Joined).groupId,
      groupId,
    )

    const groupsOf = async (host: LanHost) => (await hearth(host, ['groups'])).json(GroupList)
    await until(
      async () => {
        for (const host of hosts) {
          const family = (await groupsOf(host)).find((g) => g.groupId === groupId)
          const members = family?.members.map((m) => m.peerId).sort() ?? []
          if (JSON.stringify(members) !== JSON.stringify([...peerIds].sort())) return false
        }
        return true
      },
      {
        what: 'every host lists all three members of Family',
        timeoutMs: 60_000,
        explain: () => describeAll(hosts, async (h) => JSON.stringify(await groupsOf(h))),
      },
    )

    const peersOf = async (host: LanHost) => (await hearth(host, ['peers'])).json(PeerList)
    const connectedToAll = async (host: LanHost, i: number): Promise<boolean> => {
      const connected = new Set(
        (await peersOf(host)).filter((p) => p.connected).map((p) => p.peerId),
      )
      return peerIds.every((id, j) => j === i || connected.has(id))
    }
    await until(
      async () => {
        for (const [i, host] of hosts.entries()) {
          if (!(await connectedToAll(host, i))) return false
        }
        return true
      },
      {
        what: 'every host is connected to the other two',
        timeoutMs: 60_000,
        explain: () => describeAll(hosts, async (h) => JSON.stringify(await peersOf(h))),
      },
    )

    // Strangers are never dialed: the stranger saw the family by mDNS (and they saw it) but
    // nobody connected, and it appears to them only as a count of nearby devices.
    const Status = commands['status.get'].output
    const statusOf = async (host: LanHost) => (await hearth(host, ['status'])).json(Status)
    await until(async () => (await statusOf(stranger)).nearbyPeers >= 3, {
      what: 'the stranger sees the three family devices by mDNS',
      timeoutMs: 60_000,
    })
    assert.equal((await statusOf(stranger)).connectedPeers, 0, 'nobody dialed the stranger')
    for (const host of hosts) {
      const listed = (await peersOf(host)).map((p) => p.peerId)
      assert.ok(!listed.includes(strangerServe.ready.peerId), `${host.name} lists no stranger`)
      assert.equal((await statusOf(host)).nearbyPeers, 1, `${host.name} counts one nearby device`)
    }

    const send = async (host: LanHost, text: string): Promise<string> =>
      (await hearth(host, ['send', groupId, text])).json(Sent).messageId
    const messagesOf = async (host: LanHost): Promise<Message[]> =>
      (await hearth(host, ['messages', groupId, '--limit', '1000'])).json(MessageList)
    const ids = async (host: LanHost): Promise<string[]> =>
      (await messagesOf(host)).map((m) => m.id)

    /** Resolves with the chat once all three hosts hold exactly the same one, holding `expected`. */
    const converged = (expected: string[], what: string): Promise<Message[]> =>
      until(
        async () => {
          const chats = await Promise.all(hosts.map(messagesOf))
          const [first, ...rest] = chats.map((chat) => JSON.stringify(chat))
          const [chat] = chats
          if (!chat || rest.some((other) => other !== first)) return false
          const have = new Set(chat.map((m) => m.id))
          return expected.every((id) => have.has(id)) && chat
        },
        {
          what,
          timeoutMs: 120_000,
          explain: () =>
            describeAll(hosts, async (h) =>
              (await messagesOf(h)).map((m) => `${m.id} ${JSON.stringify(m.text)}`).join(', '),
            ),
        },
      )

    const hello = [
      await send(host1, 'hello from host1'),
      await send(host2, 'hello from host2'),
      await send(host3, 'hello from host3'),
    ]
    await converged(hello, 'all three hosts hold the same three greetings')

    await lan.cut(host3)
    const fromHost1 = await send(host1, 'host1, while host3 is away')
    const fromHost3 = await send(host3, 'host3, while cut off')
    // The rest of the LAN keeps working during the partition.
    await until(async () => (await ids(host2)).includes(fromHost1), {
      what: "host2 has host1's message sent during the partition",
      timeoutMs: 60_000,
    })
    // No path exists between the sides, so these hold at once if the cut is real.
    assert.ok(!(await ids(host3)).includes(fromHost1), 'host3 cannot have seen host1 while cut')
    assert.ok(!(await ids(host1)).includes(fromHost3), 'host1 cannot have seen host3 while cut')

    await lan.heal(host3)
    const chat = await converged(
      [...hello, fromHost1, fromHost3],
      'all three hosts hold identical chats (same ids, same order) after the heal',
    )
    assert.equal(chat.length, 5, 'no message lost or duplicated')
    assert.equal(new Set(chat.map((m) => m.id)).size, 5)
    assert.deepEqual(chat.map((m) => m.text).sort(), [
      'hello from host1',
      'hello from host2',
      'hello from host3',
      'host1, while host3 is away',
      'host3, while cut off',
    ])
    for (const message of chat) assert.ok(message.verified, `${message.id} is verified`)

    // The contract: SIGTERM flushes and exits 0, and api.json is gone afterwards.
    await Promise.all(serves.map((s) => s.stop()))
    for (const host of hosts) {
      assert.ok(!fs.existsSync(path.join(dataDir(host), 'api.json')), `${host.name} api.json`)
    }
  },
)

/** One line per host, for a failure message; a host that cannot answer says why. */
async function describeAll(
  hosts: readonly LanHost[],
  describe: (host: LanHost) => Promise<string>,
): Promise<string> {
  const lines = await Promise.all(
    hosts.map(async (host) => {
      try {
        return `${host.name}: ${await describe(host)}`
      } catch (err) {
        return `${host.name}: could not ask (${err instanceof Error ? err.message : String(err)})`
      }
    }),
  )
  return lines.join('\n')
}
