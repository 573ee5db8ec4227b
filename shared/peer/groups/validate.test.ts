import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import { MAX_UPDATE_BYTES } from './validate.ts'
import {
  entryUpdate,
  idOf,
  join,
  makeSigners,
  ManualTime,
  options,
  pull,
  signAct,
  signMsg,
  signOp,
} from './testing.ts'
import { prng } from '../../../test/helpers/prng.ts'

const [founder, bob, eve] = (await makeSigners(3)) as [Signer, Signer, Signer]

async function setup(): Promise<{ a: GroupReplica; b: GroupReplica; time: ManualTime }> {
  const time = new ManualTime()
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
  time.now += 1000
  const b = await join(a, a, bob, time)
  await pull(a, b)
  time.now += 1000
  return { a, b, time }
}

/** Everything observable about a replica: must not move when an update is refused. */
function fingerprint(r: GroupReplica): string {
  return JSON.stringify([
    Buffer.from(r.snapshot()).toString('base64'),
    r.messages(1000),
    r.membership().digest,
  ])
}

async function expectRejected(r: GroupReplica, update: Uint8Array, why?: RegExp): Promise<void> {
  const before = fingerprint(r)
  const result = await r.applyRemote(update, 'attacker')
  assert.equal(result.kind, 'rejected', JSON.stringify(result))
  if (why !== undefined && result.kind === 'rejected') assert.match(result.reason, why)
  assert.equal(fingerprint(r), before, 'a rejected update changed the replica')
}

interface RawStruct {
  info?: number
  parentInfo?: number
  parent?: string
  key?: string
  values?: unknown[]
  /** For GC (info 0) and Skip (info 10). */
  len?: number
}

/** Writes a Yjs v1 update by hand, so tests can say exactly what arrives on the wire. */
function rawUpdate(
  sections: { client: number; clock: number; structs: RawStruct[]; count?: number }[],
  deleteSet: [number, [number, number][]][] = [],
  trailing: number[] = [],
): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, sections.length)
  for (const s of sections) {
    encoding.writeVarUint(e, s.count ?? s.structs.length)
    encoding.writeVarUint(e, s.client)
    encoding.writeVarUint(e, s.clock)
    for (const st of s.structs) {
      const info = st.info ?? 40
      encoding.writeUint8(e, info)
      if (info === 0 || info === 10) {
        encoding.writeVarUint(e, st.len ?? 1)
        continue
      }
      encoding.writeVarUint(e, st.parentInfo ?? 1)
      encoding.writeVarString(e, st.parent ?? 'msgs')
      encoding.writeVarString(e, st.key ?? 'k')
      const values = st.values ?? [null]
      encoding.writeVarUint(e, values.length)
      for (const v of values) encoding.writeAny(e, v as encoding.AnyEncodable)
    }
  }
  encoding.writeVarUint(e, deleteSet.length)
  for (const [client, ranges] of deleteSet) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, ranges.length)
    for (const [clock, len] of ranges) {
      encoding.writeVarUint(e, clock)
      encoding.writeVarUint(e, len)
    }
  }
  for (const byte of trailing) encoding.writeUint8(e, byte)
  return encoding.toUint8Array(e)
}

describe('validation: accepted shapes', () => {
  test('a hand-written update with a valid entry is applied (the writer matches Yjs)', async () => {
    const { a, time } = await setup()
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'by hand' })
    const update = rawUpdate([
      { client: 4242, clock: 0, structs: [{ key: m.id, values: [m.entry] }] },
    ])
    assert.equal((await a.applyRemote(update, 'b')).kind, 'applied')
    assert.equal(a.message(m.id)?.text, 'by hand')
  })

  test('applying the same update twice reports a duplicate', async () => {
    const { a, time } = await setup()
    const update = entryUpdate(
      'msgs',
      ...idAndEntry(signMsg(bob, a.groupId, { ts: time.now, text: 'x' })),
    )
    assert.equal((await a.applyRemote(update, 'b')).kind, 'applied')
    const before = fingerprint(a)
    assert.equal((await a.applyRemote(update, 'b')).kind, 'duplicate')
    assert.equal(fingerprint(a), before)
  })

  test('an update that starts past what we hold of a client is a gap, applied later in full', async () => {
    const { a, b, time } = await setup()
    const writer = GroupReplica.load(b.groupId, [b.snapshot()], options(bob, time))
    writer.sendMessage('one')
    const sv = writer.stateVector()
    writer.sendMessage('two')
    const onlyTwo = writer.diff(sv)
    const before = fingerprint(a)
    assert.deepEqual(await a.applyRemote(onlyTwo, 'b'), { kind: 'gap' })
    assert.equal(fingerprint(a), before)
    await pull(a, writer)
    assert.deepEqual(
      a.messages().map((m) => m.text),
      ['one', 'two'],
    )
  })

  test('remote updates reach update listeners with their sender; local ones with null', async () => {
    const { a, b } = await setup()
    const seen: (string | null)[] = []
    a.on('update', (_u, from) => seen.push(from))
    a.sendMessage('local')
    b.sendMessage('remote')
    assert.equal((await a.applyRemote(b.diff(a.stateVector()), 'bob-peer')).kind, 'applied')
    assert.deepEqual(seen, [null, 'bob-peer'])
  })
})

function idAndEntry(s: { id: string; entry: object }): [string, object] {
  return [s.id, s.entry]
}

describe('validation: refused input', () => {
  test('empty, oversized and random input', async () => {
    const { a } = await setup()
    await expectRejected(a, new Uint8Array(0), /empty/)
    await expectRejected(a, new Uint8Array(MAX_UPDATE_BYTES + 1), /too large/)
    const rand = prng(7)
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(1 + Math.floor(rand() * 300)).map(() => Math.floor(rand() * 256))
      const before = fingerprint(a)
      const result = await a.applyRemote(bytes, 'attacker')
      assert.notEqual(result.kind, 'applied')
      assert.equal(fingerprint(a), before)
    }
  })

  test('every truncation of a valid update is refused', async () => {
    const { a, b } = await setup()
    b.sendMessage('a message long enough to cut in many places')
    const update = b.diff(a.stateVector())
    for (let len = 1; len < update.length; len++) await expectRejected(a, update.subarray(0, len))
    assert.equal((await a.applyRemote(update, 'b')).kind, 'applied')
  })

  test('mutated valid updates never throw and never let in anything that was not signed', async () => {
    const { a, b, time } = await setup()
    for (let i = 0; i < 3; i++) b.sendMessage(`message ${i}`)
    b.react(b.messages()[0]?.id ?? '', '👍', true)
    time.now += 1
    const update = b.diff(a.stateVector())
    const genuine = GroupReplica.load(a.groupId, [a.snapshot(), update], options(founder, time))
    const genuineValues = new Map<string, string>()
    for (const name of ['ops', 'msgs', 'acts']) {
      for (const [k, v] of genuine.doc.getMap(name).entries())
        genuineValues.set(`${name}/${k}`, JSON.stringify(v))
    }
    const base = a.snapshot()
    const rand = prng(20240601)
    let target = GroupReplica.load(a.groupId, [base], options(founder, time))
    const kinds = new Map<string, number>()
    for (let i = 0; i < 3000; i++) {
      const mutated = update.slice()
      const flips = 1 + Math.floor(rand() * 3)
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * mutated.length)
        mutated[at] =
          rand() < 0.5
            ? (mutated[at] ?? 0) ^ (1 << Math.floor(rand() * 8))
            : Math.floor(rand() * 256)
      }
      const before = fingerprint(target)
      let result
      try {
        result = await target.applyRemote(mutated, 'attacker')
      } catch (err) {
        assert.fail(`applyRemote threw on mutation ${i}: ${String(err)}`)
      }
      kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1)
      if (result.kind !== 'applied') {
        assert.equal(fingerprint(target), before, `mutation ${i} (${result.kind}) changed state`)
        continue
      }
      // A mutation that survives can only have renamed the Yjs client: the entries are genuine.
      for (const name of ['ops', 'msgs', 'acts']) {
        for (const [k, v] of target.doc.getMap(name).entries()) {
          assert.equal(
            JSON.stringify(v),
            genuineValues.get(`${name}/${k}`),
            `mutation ${i} let in ${name}/${k}`,
          )
        }
      }
      target.destroy()
      target = GroupReplica.load(a.groupId, [base], options(founder, time))
    }
    assert.ok((kinds.get('rejected') ?? 0) > 2000, JSON.stringify([...kinds]))
    target.destroy()
    genuine.destroy()
  })

  test('deletions are refused, whether made by Yjs or by hand', async () => {
    const { a, b } = await setup()
    const id = b.sendMessage('keep me')
    await pull(a, b)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, a.snapshot())
    const sv = Y.encodeStateVector(doc)
    doc.getMap('msgs').delete(id)
    await expectRejected(a, Y.encodeStateAsUpdate(doc, sv), /deletion/)
    const m = signMsg(bob, a.groupId, { ts: 1, text: 'new' })
    const withDs = rawUpdate(
      [{ client: 777, clock: 0, structs: [{ key: m.id, values: [m.entry] }] }],
      [[b.doc.clientID, [[0, 1]]]],
    )
    await expectRejected(a, withDs, /deletion/)
    await expectRejected(a, rawUpdate([], [[b.doc.clientID, [[0, 5]]]]), /deletion/)
    assert.equal(a.message(id)?.text, 'keep me')
  })

  test('an existing key cannot be overwritten, nor written twice in one update', async () => {
    const { a, b, time } = await setup()
    const id = b.sendMessage('original')
    await pull(a, b)
    // Overwrite as Yjs would write it: a new item whose origin is the old one.
    const doc = new Y.Doc()
    Y.applyUpdate(doc, a.snapshot())
    const sv = Y.encodeStateVector(doc)
    doc.getMap('msgs').set(id, { ...(doc.getMap('msgs').get(id) as object), text: 'changed' })
    await expectRejected(a, Y.encodeStateAsUpdate(doc, sv))
    // Or as a fresh client with a valid copy of the same entry.
    const same = a.doc.getMap('msgs').get(id)
    await expectRejected(a, entryUpdate('msgs', id, same), /existing key/)
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'twice' })
    const twice = rawUpdate([
      {
        client: 99,
        clock: 0,
        structs: [
          { key: m.id, values: [m.entry] },
          { key: m.id, values: [m.entry] },
        ],
      },
    ])
    await expectRejected(a, twice, /twice/)
  })

  test('entries under the wrong key, with a bad signature, or for another group are refused', async () => {
    const { a, time } = await setup()
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'hello' })
    await expectRejected(
      a,
      entryUpdate(
        'msgs',
        m.id.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
        m.entry,
      ),
      /not its id/,
    )
    // A changed entry no longer matches its key; stored under the key it derives, its
    // signature no longer verifies.
    for (const changed of [
      { ...m.entry, text: 'hellO' },
      { ...m.entry, author: founder.peerId },
    ]) {
      await expectRejected(a, entryUpdate('msgs', m.id, changed), /not its id/)
      await expectRejected(a, entryUpdate('msgs', idOf('msgs', changed), changed), /bad signature/)
    }
    await expectRejected(a, entryUpdate('msgs', m.id, { ...m.entry, extra: 1 }), /malformed/)
    const other = GroupReplica.create('Elsewhere', options(eve, time))
    const foreign = signMsg(eve, other.groupId, { ts: time.now, text: 'wrong room' })
    await expectRejected(a, entryUpdate('msgs', foreign.id, foreign.entry), /another group/)
    // A valid entry under the wrong map.
    await expectRejected(a, entryUpdate('ops', m.id, m.entry), /malformed/)
    await expectRejected(a, entryUpdate('shelf', m.id, m.entry), /malformed/)
    await expectRejected(a, entryUpdate('files', m.id, m.entry), /root maps/)
    const act = signAct(bob, a.groupId, { kind: 'delete', target: m.id, ts: time.now })
    await expectRejected(a, entryUpdate('msgs', act.id, act.entry), /malformed/)
    const op = signOp(founder, a.groupId, {
      kind: 'rename',
      name: 'x',
      ts: time.now,
      parents: [...a.membership().heads],
    })
    await expectRejected(a, entryUpdate('acts', op.id, op.entry), /malformed/)
    other.destroy()
  })

  test('anything but one plain JSON value in a root map is refused', async () => {
    const { a, time } = await setup()
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'hello' })
    const nested = new Y.Doc()
    const inner = new Y.Map<unknown>()
    nested.getMap('msgs').set(m.id, inner)
    await expectRejected(a, Y.encodeStateAsUpdate(nested), /root map entries/)
    const text = new Y.Doc()
    text.getText('msgs').insert(0, 'hi')
    await expectRejected(a, Y.encodeStateAsUpdate(text), /root map entries/)
    const arr = new Y.Doc()
    arr.getArray('msgs').push([m.entry])
    await expectRejected(a, Y.encodeStateAsUpdate(arr), /root map entries/)
    const bin = new Y.Doc()
    bin.getMap('msgs').set(m.id, new Uint8Array([1, 2, 3]))
    await expectRejected(a, Y.encodeStateAsUpdate(bin), /root map entries/)
    const two = rawUpdate([
      { client: 5, clock: 0, structs: [{ key: m.id, values: [m.entry, m.entry] }] },
    ])
    await expectRejected(a, two, /exactly one value/)
    const nestedParent = rawUpdate([
      { client: 5, clock: 0, structs: [{ key: m.id, values: [m.entry], parentInfo: 0 }] },
    ])
    await expectRejected(a, nestedParent)
  })

  test("an update that writes as this device's own Yjs client is refused", async () => {
    const { a, time } = await setup()
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'as you' })
    const clock = Y.getState(a.doc.store, a.doc.clientID)
    const update = rawUpdate([
      { client: a.doc.clientID, clock, structs: [{ key: m.id, values: [m.entry] }] },
    ])
    await expectRejected(a, update, /this device/)
  })

  test('crafted structs, counts and clocks that could hang or bloat Yjs are refused', async () => {
    const { a, time } = await setup()
    const m = signMsg(bob, a.groupId, { ts: time.now, text: 'hello' })
    const good = { key: m.id, values: [m.entry] }
    await expectRejected(
      a,
      rawUpdate([{ client: 1, clock: 0, structs: [{ info: 0, len: 2 ** 40 }] }]),
      /root map entries/,
    )
    await expectRejected(
      a,
      rawUpdate([{ client: 1, clock: 0, structs: [{ info: 10, len: 1000 }, good] }]),
      /root map entries/,
    )
    await expectRejected(a, rawUpdate([{ client: 1, clock: 2 ** 41, structs: [good] }]), /clock/)
    await expectRejected(
      a,
      rawUpdate([{ client: 1, clock: 0, structs: [good], count: 2 ** 31 }]),
      /count/,
    )
    await expectRejected(a, rawUpdate([{ client: 2 ** 40, clock: 0, structs: [good] }]), /client/)
    const many = rawUpdate([])
    many[0] = 0x7f // claims 127 clients in a 2-byte update
    await expectRejected(a, many, /count/)
    await expectRejected(
      a,
      rawUpdate([
        { client: 3, clock: 0, structs: [good] },
        { client: 3, clock: 1, structs: [good] },
      ]),
      /twice/,
    )
    await expectRejected(
      a,
      rawUpdate([{ client: 1, clock: 0, structs: [good] }], [], [0]),
      /trailing/,
    )
    // A varint that never ends, and deeply nested arrays for readAny.
    await expectRejected(a, new Uint8Array(64).fill(0xff))
    let deep: unknown = m.entry
    for (let i = 0; i < 100_000; i++) deep = [deep]
    const e = encoding.createEncoder()
    for (let i = 0; i < 100_000; i++) {
      encoding.writeUint8(e, 117)
      encoding.writeVarUint(e, 1)
    }
    const deepBody = encoding.toUint8Array(e)
    const head = rawUpdate([{ client: 1, clock: 0, structs: [{ key: 'k', values: [] }] }])
    // Replace "0 values + empty delete set" with "1 value: <deep array>" + empty delete set.
    const crafted = new Uint8Array([...head.subarray(0, head.length - 2), 1, ...deepBody, 126, 0])
    await expectRejected(a, crafted)
  })
})
