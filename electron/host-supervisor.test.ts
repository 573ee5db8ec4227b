import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HostStatus } from '../renderer/platform/desktop-api.ts'
import type { ToHost } from './core-host-protocol.ts'
import { HostSupervisor, type HostProcess } from './host-supervisor.ts'
import { RestartPolicy } from './restart-policy.ts'

class FakePort {
  closed = false
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
  close() {
    this.closed = true
  }
}

class FakeProcess implements HostProcess<FakePort> {
  readonly sent: { message: ToHost; ports: string[] }[] = []
  killed = false
  #onMessage: ((message: unknown) => void)[] = []
  #onExit: ((code: number) => void)[] = []
  postMessage(message: ToHost, transfer: FakePort[] = []) {
    this.sent.push({ message, ports: transfer.map((p) => p.name) })
  }
  kill() {
    this.killed = true
  }
  onMessage(listener: (message: unknown) => void) {
    this.#onMessage.push(listener)
  }
  onExit(listener: (code: number) => void) {
    this.#onExit.push(listener)
  }
  say(message: unknown) {
    for (const l of this.#onMessage) l(message)
  }
  exit(code: number) {
    for (const l of this.#onExit) l(code)
  }
  connectedPorts() {
    return this.sent.filter((s) => s.message.type === 'connect').flatMap((s) => s.ports)
  }
}

function setup(maxConsecutiveCrashes = 3) {
  let t = 0
  const processes: FakeProcess[] = []
  const timers = new Map<number, { callback: () => void; ms: number }>()
  let nextTimer = 1
  const statuses: HostStatus[] = []
  const logs: string[] = []
  const supervisor = new HostSupervisor<FakePort>({
    spawn: () => {
      const p = new FakeProcess()
      processes.push(p)
      return p
    },
    policy: new RestartPolicy(
      {
        initialDelayMs: 100,
        maxDelayMs: 1000,
        factor: 2,
        stableAfterMs: 10_000,
        maxConsecutiveCrashes,
      },
      () => t,
    ),
    setTimer: (callback, ms) => {
      const id = nextTimer++
      timers.set(id, { callback, ms })
      return id
    },
    clearTimer: (handle) => timers.delete(handle as number),
    stopTimeoutMs: 5000,
    log: (line) => logs.push(line),
  })
  supervisor.onStatus((s) => statuses.push(s))
  const fireTimer = (ms: number) => {
    const found = [...timers].find(([, timer]) => timer.ms === ms)
    assert.ok(
      found,
      `a timer of ${ms} ms is pending (have ${[...timers.values()].map((x) => x.ms)})`,
    )
    timers.delete(found[0])
    found[1].callback()
  }
  const latest = () => {
    const p = processes.at(-1)
    assert.ok(p, 'a process was spawned')
    return p
  }
  return {
    supervisor,
    processes,
    timers,
    statuses,
    logs,
    fireTimer,
    latest,
    advance: (ms: number) => (t += ms),
  }
}

const READY = { type: 'ready', peerId: '12D3KooWpeer' }

describe('HostSupervisor', () => {
  test('ports asked for while the peer starts wait for it, in order; later ones go straight in', () => {
    const s = setup()
    s.supervisor.start()
    assert.equal(s.supervisor.status.state, 'starting')
    s.supervisor.connect(new FakePort('a'))
    s.supervisor.connect(new FakePort('b'))
    assert.deepEqual(s.latest().connectedPorts(), [])
    s.latest().say(READY)
    assert.equal(s.supervisor.status.state, 'running')
    assert.deepEqual(s.latest().connectedPorts(), ['a', 'b'])
    s.supervisor.connect(new FakePort('c'))
    assert.deepEqual(s.latest().connectedPorts(), ['a', 'b', 'c'])
  })

  test('a crash restarts the peer after a growing delay and says so', () => {
    const s = setup()
    s.supervisor.start()
    s.latest().say(READY)
    s.latest().say({ type: 'failed', message: 'database is locked' })
    s.latest().exit(1)
    assert.deepEqual(s.supervisor.status, {
      state: 'crashed',
      restarts: 1,
      retryInMs: 100,
      lastError: 'database is locked',
    })
    assert.equal(s.processes.length, 1, 'nothing restarts before the delay')
    s.supervisor.connect(new FakePort('during'))
    s.fireTimer(100)
    assert.equal(s.processes.length, 2)
    assert.deepEqual(s.supervisor.status, {
      state: 'starting',
      restarts: 1,
      lastError: 'database is locked',
    })
    s.latest().exit(1)
    assert.equal(s.supervisor.status.retryInMs, 200)
    assert.match(s.supervisor.status.lastError ?? '', /exited with code 1/)
    s.fireTimer(200)
    s.latest().say(READY)
    assert.deepEqual(s.supervisor.status, { state: 'running', restarts: 2 })
    assert.deepEqual(s.latest().connectedPorts(), ['during'])
    assert.deepEqual(
      s.statuses.map((x) => x.state),
      ['starting', 'running', 'crashed', 'starting', 'crashed', 'starting', 'running'],
    )
  })

  test('after too many quick crashes it gives up, closes waiting ports, and retries on demand', () => {
    const s = setup(2)
    s.supervisor.start()
    const waiting = new FakePort('waiting')
    s.supervisor.connect(waiting)
    s.latest().exit(1)
    s.fireTimer(100)
    s.latest().exit(1)
    s.fireTimer(200)
    s.latest().exit(1)
    assert.equal(s.supervisor.status.state, 'failed')
    assert.equal(waiting.closed, true, 'the client hears the peer is gone')
    assert.equal(s.timers.size, 0, 'no restart is scheduled')
    assert.equal(s.processes.length, 3)

    const again = new FakePort('again')
    s.supervisor.connect(again)
    assert.equal(s.processes.length, 4, 'a new client is a person asking to try again')
    s.latest().say(READY)
    assert.deepEqual(s.latest().connectedPorts(), ['again'])
    s.latest().exit(1)
    assert.equal(s.supervisor.status.retryInMs, 100, 'the backoff started over')
  })

  test('stop asks the peer to flush, waits for it to exit, and never restarts it', async () => {
    const s = setup()
    s.supervisor.start()
    s.latest().say(READY)
    let done = false
    const stopping = s.supervisor.stop().then(() => (done = true))
    assert.equal(s.supervisor.status.state, 'stopping')
    assert.deepEqual(s.latest().sent.at(-1), { message: { type: 'stop' }, ports: [] })
    await Promise.resolve()
    assert.equal(done, false, 'stop waits for the process to exit')
    const late = new FakePort('late')
    s.supervisor.connect(late)
    assert.equal(late.closed, true)
    s.latest().exit(0)
    await stopping
    assert.equal(s.processes.length, 1)
    assert.equal(s.timers.size, 0)
    assert.equal(s.latest().killed, false)
    assert.equal(s.supervisor.stop(), s.supervisor.stop(), 'stopping twice is one stop')
  })

  test('a peer that does not stop in time is killed', async () => {
    const s = setup()
    s.supervisor.start()
    s.latest().say(READY)
    const stopping = s.supervisor.stop()
    s.fireTimer(5000)
    assert.equal(s.latest().killed, true)
    assert.match(s.logs.join('\n'), /did not stop/)
    s.latest().exit(9)
    await stopping
  })

  test('stopping while a restart is pending cancels it', async () => {
    const s = setup()
    s.supervisor.start()
    s.latest().exit(1)
    assert.equal(s.timers.size, 1)
    await s.supervisor.stop()
    assert.equal(s.timers.size, 0)
    assert.equal(s.processes.length, 1)
  })

  test('messages outside the protocol are ignored', () => {
    const s = setup()
    s.supervisor.start()
    s.latest().say({ type: 'ready' })
    s.latest().say('ready')
    s.latest().say({ type: 'connect' })
    assert.equal(s.supervisor.status.state, 'starting')
    assert.equal(s.logs.length, 3)
  })
})
