// Self-test of the LAN harness, with no Hearth involved: reachability, partitions, multicast,
// running the process helpers inside a host, and leaving nothing behind.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import { createInterface } from 'node:readline'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { cleanupStale, createLan, lanAvailable, type Lan, type LanHost } from '../helpers/netns.ts'
import { cli, startServe, tempDirs, until } from '../helpers/proc.ts'
import { exited } from '../helpers/spawner.ts'

const available = lanAvailable()
const skip = available.ok ? false : available.reason
const NETNS_HELPER = fileURLToPath(new URL('../helpers/netns.ts', import.meta.url))
const FAKE_HEARTH = fileURLToPath(new URL('../helpers/fixtures/fake-hearth.ts', import.meta.url))
const PONG_PORT = 7077

// Answers every TCP connection with "pong", so a probe proves a full round trip.
const PONG_SERVER = `
const server = require('node:net').createServer((s) => s.end('pong'))
server.listen(${PONG_PORT}, '0.0.0.0', () => console.log('listening'))`

// Exits 0 only if the host at argv[1] answered "pong" before the probe's own deadline (argv[2]).
const PROBE = `
const [host, deadline] = process.argv.slice(1)
const socket = require('node:net').connect({ host, port: ${PONG_PORT} })
let got = ''
socket.setEncoding('utf8').on('data', (d) => (got += d))
socket.on('end', () => process.exit(got === 'pong' ? 0 : 1))
socket.on('error', (err) => { console.log(err.code); process.exit(1) })
setTimeout(() => { console.log('no answer'); process.exit(1) }, Number(deadline)).unref()`

// Joins 224.0.0.251 on port 5353 like an mDNS responder, says "ready", then prints the first
// datagram it receives (as JSON with the sender's address) and exits.
const MDNS_LISTENER = `
const socket = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
socket.on('message', (msg, rinfo) => {
  console.log(JSON.stringify({ text: msg.toString(), from: rinfo.address }))
  socket.close()
})
socket.bind(5353, () => { socket.addMembership('224.0.0.251'); console.log('ready') })`

const MDNS_SENDER = `
const socket = require('node:dgram').createSocket('udp4')
socket.send(process.argv[1], 5353, '224.0.0.251', (err) => { if (err) throw err; socket.close() })`

// A test process that builds a LAN, starts a process inside it, says which, and waits.
const CRASHER = `
import { createLan } from ${JSON.stringify(NETNS_HELPER)}
const lan = await createLan({ hosts: 2 })
const inside = lan.spawn('h2', process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' })
console.log(JSON.stringify({ id: lan.id, orphan: inside.pid }))`

function lines(child: ChildProcess): AsyncIterator<string> {
  if (!child.stdout) throw new Error('child has no stdout pipe')
  return createInterface({ input: child.stdout })[Symbol.asyncIterator]()
}

async function nextLine(reader: AsyncIterator<string>, what: string): Promise<string> {
  const { value, done } = await reader.next()
  if (done) throw new Error(`${what}: the process ended without printing a line`)
  return value
}

function namespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`ip netns list failed: ${out.stderr}`)
  return out.stdout.split('\n').map((line) => line.split(' ')[0] ?? '')
}

/** False once the process is gone or a zombie waiting for whoever adopted it to reap it. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return false
    throw err
  }
}

describe('a LAN of three hosts', { skip }, () => {
  let lan: Lan
  let h1: LanHost
  let h2: LanHost
  let h3: LanHost

  before(async () => {
    await cleanupStale()
    lan = await createLan({ hosts: 3, prefix: '10.231.7' })
    ;[h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost]
    for (const host of lan.hosts) {
      const server = lan.spawn(host, process.execPath, ['-e', PONG_SERVER], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      assert.equal(await nextLine(lines(server), `pong server on ${host.name}`), 'listening')
    }
  })
  after(() => lan?.destroy())

  // The probe's deadline only decides how long "no answer" takes; a reachable host answers in
  // milliseconds, so a broken cut still fails the test.
  async function reaches(from: LanHost, to: LanHost, deadlineMs: number): Promise<boolean> {
    const probe = await lan.exec(from, process.execPath, ['-e', PROBE, to.ip, String(deadlineMs)])
    return probe.code === 0
  }

  test('each host has its own namespace and address', async () => {
    assert.deepEqual(
      lan.hosts.map((h) => h.ip),
      ['10.231.7.1', '10.231.7.2', '10.231.7.3'],
    )
    for (const host of lan.hosts) {
      assert.ok(host.ns.length <= 15, `${host.ns} fits an interface name`)
      const addr = await lan.exec(host, 'ip', ['-4', '-o', 'addr', 'show'])
      assert.match(addr.stdout, new RegExp(`eth0\\s+inet ${host.ip.replaceAll('.', '\\.')}/24`))
    }
  })

  test('every host reaches every other host', async () => {
    for (const from of lan.hosts) {
      for (const to of lan.hosts) {
        if (from !== to) assert.ok(await reaches(from, to, 10_000), `${from.name} → ${to.name}`)
      }
    }
  })

  test('cut isolates one host; heal brings it back', async () => {
    await lan.cut(h2)
    assert.ok(!(await reaches(h2, h1, 2_000)), 'h2 cannot reach h1 while cut')
    assert.ok(!(await reaches(h1, h2, 2_000)), 'h1 cannot reach h2 while cut')
    assert.ok(await reaches(h1, h3, 10_000), 'h1 still reaches h3')
    assert.ok(await reaches(h3, h1, 10_000), 'h3 still reaches h1')

    await lan.heal(h2)
    assert.ok(await reaches(h2, h1, 10_000), 'h2 reaches h1 again')
    assert.ok(await reaches(h1, h2, 10_000), 'h1 reaches h2 again')
  })

  test('a datagram to the mDNS group 224.0.0.251:5353 from h1 reaches h3', async () => {
    const listener = lan.spawn(h3, process.execPath, ['-e', MDNS_LISTENER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const heard = lines(listener)
    assert.equal(await nextLine(heard, 'mDNS listener'), 'ready')
    const sent = await lan.exec(h1, process.execPath, ['-e', MDNS_SENDER, 'hello, LAN'])
    assert.equal(sent.code, 0, sent.stderr)
    const received: unknown = JSON.parse(await nextLine(heard, 'mDNS listener'))
    assert.deepEqual(received, { text: 'hello, LAN', from: h1.ip })
    await exited(listener)
  })

  test('the process helpers run a peer inside a host and talk to it there', async () => {
    const dirs = tempDirs()
    try {
      const dataDir = dirs.make('in-netns')
      const serve = await startServe({ dataDir, bin: FAKE_HEARTH, spawn: lan.spawner(h2) })
      assert.ok(
        serve.ready.addrs.some((a) => a.startsWith(`/ip4/${h2.ip}/`)),
        `the peer sees h2's address: ${serve.ready.addrs.join(' ')}`,
      )
      assert.ok(!serve.ready.addrs.some((a) => a.startsWith(`/ip4/${h1.ip}/`)))
      const status = await cli(dataDir, ['status', '--json'], {
        bin: FAKE_HEARTH,
        spawn: lan.spawner(h2),
      })
      assert.equal(status.ok().code, 0)
      // SIGTERM goes through `ip netns exec` to the peer itself, which exits 0.
      await serve.stop()
    } finally {
      dirs.removeAll()
    }
  })
})

describe('cleaning up', { skip }, () => {
  test('destroy() kills what runs in the LAN, deletes every namespace, and can run twice', async () => {
    const before = fs.readdirSync('/sys/class/net').sort()
    const lan = await createLan({ hosts: 2 })
    try {
      const ours = () => namespaces().filter((ns) => ns.startsWith(lan.id))
      assert.equal(ours().length, 3, 'two hosts and a bridge')
      const sleeper = lan.spawn('h1', process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], {
        stdio: 'ignore',
      })

      await lan.destroy()
      await lan.destroy()
      assert.deepEqual(ours(), [])
      assert.equal((await exited(sleeper)).signal, 'SIGKILL')
      assert.deepEqual(fs.readdirSync('/sys/class/net').sort(), before, 'no link in the root ns')
      assert.throws(() => lan.spawn('h1', 'true', []), /being destroyed/)
    } finally {
      await lan.destroy()
    }
  })

  test('an interrupted test process takes its LAN and the processes in it down with it', async () => {
    const interrupted = spawn(process.execPath, ['--input-type=module', '-e', CRASHER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const { id, orphan } = JSON.parse(await nextLine(lines(interrupted), 'test process')) as {
      id: string
      orphan: number
    }
    interrupted.kill('SIGINT')
    assert.equal((await exited(interrupted)).signal, 'SIGINT', 'it still dies of the signal')
    assert.deepEqual(
      namespaces().filter((ns) => ns.startsWith(id)),
      [],
    )
    await until(() => !isRunning(orphan), { what: `process ${orphan} in the LAN is gone` })
  })

  test('cleanupStale() removes what a crashed run left, including its orphans, and nothing live', async () => {
    const live = await createLan({ hosts: 1 })
    try {
      // SIGKILL: not even the last-resort cleanup runs, as when the machine kills a runaway test.
      const crasher = spawn(process.execPath, ['--input-type=module', '-e', CRASHER], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const { id, orphan } = JSON.parse(await nextLine(lines(crasher), 'crasher')) as {
        id: string
        orphan: number
      }
      crasher.kill('SIGKILL')
      await once(crasher, 'exit')
      assert.equal(namespaces().filter((ns) => ns.startsWith(id)).length, 3, 'left behind')

      const removed = await cleanupStale()
      // A concurrent test process's cleanupStale may get to some of them first; either way they
      // must be gone, and nothing of a live LAN may be touched.
      assert.ok(
        removed.every((ns) => ns.startsWith('hth') && !ns.startsWith(live.id)),
        `${removed}`,
      )
      assert.deepEqual(
        namespaces().filter((ns) => ns.startsWith(id)),
        [],
      )
      await until(() => !isRunning(orphan), { what: `orphan ${orphan} is gone` })
      assert.equal(
        namespaces().filter((ns) => ns.startsWith(live.id)).length,
        2,
        'a live LAN is not stale',
      )
    } finally {
      await live.destroy()
    }
  })
})
