// The real core host (a real peer, its database on disk) under the real supervisor, without an
// Electron binary: a worker thread stands in for the utilityProcess, with a small shim giving it
// Electron's `process.parentPort`. What differs is only the transport of the first message;
// serving the contract on transferred ports, restarting after a crash, failing to start and the
// graceful stop are the code the app runs.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import type { HostStatus } from '../renderer/platform/desktop-api.ts'
import { enableVault } from '../shared/peer/vault/index.ts'
import { createClient, type ApiClient } from '../shared/rpc/client.ts'
import { portChannel } from '../shared/rpc/port-channel.ts'
import { hostArgs, type HostOptions } from './core-host-protocol.ts'
import { HostSupervisor, type HostProcess } from './host-supervisor.ts'
import { RestartPolicy } from './restart-policy.ts'

const CORE_HOST = new URL('./core-host.ts', import.meta.url).href

// Electron's ParentPort hands 'message' listeners { data, ports }; the worker's port hands the
// value itself, so main sends { data, ports } and the shim passes it through.
const SHIM = `
const { parentPort, workerData } = require('node:worker_threads')
process.parentPort = {
  on(event, listener) {
    if (event === 'message') parentPort.on('message', (m) => listener({ data: m.data, ports: m.ports }))
    return this
  },
  postMessage(message) { parentPort.postMessage(message) },
}
import(workerData.entry)
`

interface WorkerHost extends HostProcess<MessagePort> {
  exited: Promise<number>
}

function workerHost(options: HostOptions): WorkerHost {
  const worker = new Worker(SHIM, {
    eval: true,
    workerData: { entry: CORE_HOST },
    argv: hostArgs(options),
    stdout: false,
    stderr: false,
  })
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  return {
    exited,
    postMessage: (message, transfer = []) =>
      worker.postMessage({ data: message, ports: transfer }, transfer),
    kill: () => void worker.terminate(),
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => worker.on('exit', listener),
  }
}

function until(
  supervisor: HostSupervisor<MessagePort>,
  match: (s: HostStatus) => boolean,
): Promise<HostStatus> {
  if (match(supervisor.status)) return Promise.resolve(supervisor.status)
  return new Promise((resolve) => {
    const off = supervisor.onStatus((status) => {
      if (!match(status)) return
      off()
      resolve(status)
    })
  })
}

function connect(supervisor: HostSupervisor<MessagePort>): ApiClient {
  const { port1, port2 } = new MessageChannel()
  supervisor.connect(port1)
  return createClient(portChannel(port2))
}

describe('core host under the supervisor', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-core-host-'))
  const supervisors: HostSupervisor<MessagePort>[] = []
  after(async () => {
    for (const s of supervisors) await s.stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  function supervise(options: HostOptions, maxConsecutiveCrashes = 3) {
    const spawned: WorkerHost[] = []
    const supervisor = new HostSupervisor<MessagePort>({
      spawn: () => {
        const host = workerHost(options)
        spawned.push(host)
        return host
      },
      policy: new RestartPolicy({ initialDelayMs: 20, maxConsecutiveCrashes }),
      setTimer: (callback, ms) => setTimeout(callback, ms),
      clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
      stopTimeoutMs: 30_000,
      log: () => {},
    })
    supervisors.push(supervisor)
    return { supervisor, spawned }
  }

  test('serves the contract, survives a crash with its data, and stops cleanly', async () => {
    const dataDir = path.join(root, 'minsu')
    const { supervisor, spawned } = supervise({
      dataDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      portable: true,
    })
    supervisor.start()
    // Asked for before the peer is up: the request waits in the port.
    const first = connect(supervisor)
    await first.call('identity.setName', { name: 'Minsu' })
    const { groupId } = await first.call('groups.create', { name: 'Family' })
    const sent = await first.call('messages.send', { group: groupId, text: 'before the crash' })
    assert.equal(supervisor.status.state, 'running')

    // The process dies without warning; the client learns, the supervisor brings the peer back.
    spawned[0]!.kill()
    await first.closed
    const crashed = await until(supervisor, (s) => s.state === 'crashed')
    assert.equal(crashed.restarts, 1)
    await until(supervisor, (s) => s.state === 'running')
    assert.equal(spawned.length, 2)

    const second = connect(supervisor)
    const messages = await second.call('messages.list', { group: groupId })
    assert.deepEqual(
      messages.map((m) => [m.id, m.text]),
      [[sent.messageId, 'before the crash']],
      'what was acknowledged before the crash is still there',
    )
    assert.equal((await second.call('identity.get', {})).name, 'Minsu')
    assert.equal((await second.call('status.get', {})).portable, true, 'portable reaches the peer')

    await supervisor.stop()
    assert.equal(await spawned[1]!.exited, 0, 'the peer stopped itself after flushing')
    await second.closed
    assert.equal(supervisor.status.state, 'stopping')
  })

  test('on an encrypted folder the host serves at once, locked, until a client unlocks it', async () => {
    const dataDir = path.join(root, 'sealed')
    await enableVault(dataDir, 'our family passphrase', { params: { N: 2 ** 10, r: 8, p: 1 } })
    const { supervisor, spawned } = supervise({
      dataDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    const statuses: string[] = []
    supervisor.onStatus((s) => statuses.push(s.state))
    supervisor.start()
    const client = connect(supervisor)
    assert.deepEqual(await client.call('vault.status', {}), { state: 'locked', portable: false })
    await assert.rejects(client.call('groups.list', {}), /locked/)
    const changed = new Promise((resolve) => client.on('vaultChanged', resolve))
    await assert.rejects(client.call('vault.unlock', { passphrase: 'a guess' }), /passphrase/)
    await client.call('vault.unlock', { passphrase: 'our family passphrase' })
    assert.deepEqual(await changed, { state: 'unlocked', portable: false })
    assert.deepEqual(await client.call('groups.list', {}), [])
    assert.deepEqual(statuses, ['starting', 'running'], 'locked, then ready: one running status')
    await supervisor.stop()
    assert.equal(await spawned[0]!.exited, 0)
  })

  test('a peer that cannot start reports why, and the supervisor gives up', async () => {
    const notADir = path.join(root, 'a-file')
    fs.writeFileSync(notADir, 'not a data folder')
    const { supervisor, spawned } = supervise({ dataDir: notADir, mdns: false }, 1)
    supervisor.start()
    const waiting = connect(supervisor)
    const failed = await until(supervisor, (s) => s.state === 'failed')
    assert.match(failed.lastError ?? '', /could not start/)
    assert.equal(spawned.length, 2, 'one restart, then it gave up')
    for (const host of spawned) assert.equal(await host.exited, 1)
    await waiting.closed
  })
})
