import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  commands,
  events,
  isCommandName,
  isEventName,
  MAX_SHELF_FILE_BYTES,
  UPLOAD_CHUNK_BYTES,
} from './contract.ts'
import {
  DisplayName,
  Emoji,
  EntryId,
  FileName,
  FolderPath,
  MAX_MESSAGE_BYTES,
  MessageText,
  PeerIdText,
} from './domain.ts'
import { HearthError, errorCodes, isErrorCode, toErrorPayload } from './errors.ts'

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) =>
  schema.safeParse(v).success

describe('contract', () => {
  test('every command has an input and an output schema; names are imperative, events past tense', () => {
    for (const [name, c] of Object.entries(commands)) {
      assert.match(name, /^[a-z]+\.[a-z][A-Za-z]*$/, name)
      assert.ok(c.input && c.output, name)
      assert.ok(isCommandName(name))
    }
    for (const name of Object.keys(events)) {
      assert.match(name, /(Added|Changed|Left|Connected|Disconnected|Synced|Progressed)$/, name)
      assert.ok(isEventName(name))
    }
    assert.equal(isCommandName('toString'), false, 'prototype names are not commands')
    assert.equal(isEventName('constructor'), false)
  })

  test('display names are trimmed, 1–64 characters, without control or bidi characters', () => {
    assert.equal(DisplayName.parse('  민수  '), '민수')
    for (const bad of ['', '   ', 'x'.repeat(65), 'a\u0000b', 'evil\u202egnp.exe', 'tab\there']) {
      assert.equal(ok(DisplayName, bad), false, JSON.stringify(bad))
    }
    assert.equal(ok(DisplayName, 'x'.repeat(64)), true)
  })

  test('message text is limited to 64 KiB of UTF-8, counted in bytes', () => {
    assert.equal(ok(MessageText, 'a'.repeat(MAX_MESSAGE_BYTES)), true)
    assert.equal(ok(MessageText, 'a'.repeat(MAX_MESSAGE_BYTES + 1)), false)
    // 가 is three bytes in UTF-8: 21,846 of them are 65,538 bytes.
    assert.equal(ok(MessageText, '가'.repeat(21_845)), true)
    assert.equal(ok(MessageText, '가'.repeat(21_846)), false)
    assert.equal(ok(MessageText, ''), false)
  })

  test('reactions are emoji, never text', () => {
    for (const good of ['👍', '❤️', '👨‍👩‍👧', '🇰🇷', '👍🏽', '1️⃣'])
      assert.equal(ok(Emoji, good), true, good)
    for (const bad of ['a', '1', '#', '<script>', '👍 nice', '', 'javascript:']) {
      assert.equal(ok(Emoji, bad), false, bad)
    }
  })

  test('ids and peer ids have their exact shapes', () => {
    assert.equal(ok(EntryId, 'abcdefghijklmnopqrstuvwxyz'), true)
    assert.equal(ok(EntryId, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), false)
    assert.equal(ok(EntryId, '../../etc/passwd'), false)
    assert.equal(ok(PeerIdText, '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'), true)
    assert.equal(ok(PeerIdText, '12D3KooW0OIl'), false)
  })

  test('inputs are checked: unknown fields on empty inputs, bad limits, short invites', () => {
    assert.equal(ok(commands['groups.list'].input, { extra: 1 }), false)
    assert.equal(ok(commands['messages.list'].input, { group: 'g', limit: 0 }), false)
    assert.equal(ok(commands['groups.invite'].input, { group: 'g', expiresInMs: 1000 }), false)
    assert.equal(ok(commands['groups.join'].input, { invite: '   ' }), false)
  })

  test('errors travel as codes; anything else becomes INTERNAL', () => {
    assert.deepEqual(toErrorPayload(new HearthError('NOT_A_MEMBER', 'no')), {
      code: 'NOT_A_MEMBER',
      message: 'no',
    })
    assert.deepEqual(toErrorPayload(new Error('boom')), { code: 'INTERNAL', message: 'boom' })
    assert.equal(isErrorCode('GROUP_NOT_FOUND'), true)
    assert.equal(isErrorCode('NOPE'), false)
    assert.equal(new Set(errorCodes).size, errorCodes.length)
  })

  test('shelf names are one segment and folders relative paths; shelf paths must be absolute', () => {
    for (const good of ['a.txt', '회의록 v2.pdf', '.env', 'x'.repeat(255), 'a..b']) {
      assert.equal(ok(FileName, good), true, JSON.stringify(good))
    }
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', ' x', 'x'.repeat(256), 'evil\u202etxt.exe']) {
      assert.equal(ok(FileName, bad), false, JSON.stringify(bad))
    }
    for (const good of ['', 'a', 'a/b c/d']) assert.equal(ok(FolderPath, good), true, good)
    for (const bad of ['/a', 'a/', '../a', 'a/./b', 'a//b', 'a\u0000']) {
      assert.equal(ok(FolderPath, bad), false, JSON.stringify(bad))
    }
    const add = commands['shelf.add'].input
    assert.equal(ok(add, { group: 'g', path: '/home/me/a.txt' }), true)
    assert.equal(ok(add, { group: 'g', path: 'C:\\Users\\me\\a.txt' }), true)
    for (const rel of ['a.txt', './a.txt', '../a.txt', '']) {
      assert.equal(ok(add, { group: 'g', path: rel }), false, rel)
    }
    const move = commands['shelf.move'].input
    assert.equal(ok(move, { group: 'g', fileId: 'a'.repeat(26) }), false, 'a name or a folder')
    assert.equal(ok(move, { group: 'g', fileId: 'a'.repeat(26), folder: '' }), true)
  })

  test('uploads are capped and checked at the boundary: size, chunk size, base64, names', () => {
    const begin = commands['shelf.beginUpload'].input
    const base = { group: 'g', name: 'photo.jpg', size: 10 }
    assert.equal(ok(begin, base), true)
    assert.equal(ok(begin, { ...base, size: MAX_SHELF_FILE_BYTES + 1 }), false)
    assert.equal(ok(begin, { ...base, size: -1 }), false)
    assert.equal(ok(begin, { ...base, size: 1.5 }), false)
    for (const name of ['../x', 'a/b', '', 'x'.repeat(256), 'evil\u202egnp.exe', '..']) {
      assert.equal(ok(begin, { ...base, name }), false, JSON.stringify(name))
    }
    assert.equal(ok(begin, { ...base, folder: '../up' }), false)

    const chunk = commands['shelf.uploadChunk'].input
    const id = 'a'.repeat(24)
    const b64 = (n: number) => 'A'.repeat(4 * Math.ceil(n / 3))
    assert.equal(ok(chunk, { uploadId: id, offset: 0, data: b64(UPLOAD_CHUNK_BYTES) }), true)
    assert.equal(ok(chunk, { uploadId: id, offset: 0, data: b64(UPLOAD_CHUNK_BYTES + 3) }), false)
    for (const data of ['not base64!', 'AAA', 'AA=A', '<script>']) {
      assert.equal(ok(chunk, { uploadId: id, offset: 0, data }), false, data)
    }
    assert.equal(ok(chunk, { uploadId: '../../x', offset: 0, data: '' }), false)
    assert.equal(ok(chunk, { uploadId: id, offset: -1, data: '' }), false)

    const send = commands['messages.send'].input
    const file = 'b'.repeat(26)
    assert.equal(ok(send, { group: 'g', text: '', attachments: [file] }), true)
    assert.equal(ok(send, { group: 'g', text: '' }), false)
    assert.equal(ok(send, { group: 'g', text: 'x', attachments: [file, file] }), false)
    assert.equal(ok(send, { group: 'g', text: 'x', attachments: Array(11).fill(file) }), false)
    const keep = commands['shelf.setKeep'].input
    assert.equal(ok(keep, { group: 'g', keep: true }), false, 'a file or a folder')
    assert.equal(ok(keep, { group: 'g', fileId: file, folder: 'a', keep: true }), false)
    assert.equal(ok(keep, { group: 'g', folder: '', keep: null }), true)
  })
})
