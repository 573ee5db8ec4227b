import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { displayName, isExecutableName, safeFileName, shelfNameFor } from './names.ts'
import { FileName } from './domain.ts'

const utf8 = new TextEncoder()
const bytes = (s: string): number => utf8.encode(s).length

// What every result of safeFileName must be, whatever went in.
function assertSafe(input: string): string {
  const out = safeFileName(input)
  const shown = JSON.stringify(input.slice(0, 60))
  assert.ok(out.length > 0, `empty name for ${shown}`)
  assert.ok(bytes(out) <= 255, `${bytes(out)} bytes for ${shown}`)
  assert.doesNotMatch(out, /[/\\]/, `separator in ${JSON.stringify(out)}`)
  assert.doesNotMatch(out, /[<>:"|?*]/, `Windows-forbidden character in ${JSON.stringify(out)}`)
  assert.doesNotMatch(out, /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u, `control character in ${shown}`)
  assert.doesNotMatch(out, /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/, 'bidi mark')
  assert.doesNotMatch(out, /^[.\s]/u, `leading dot or space in ${JSON.stringify(out)}`)
  assert.doesNotMatch(out, /[.\s]$/u, `trailing dot or space in ${JSON.stringify(out)}`)
  assert.notEqual(out, '..')
  const stem = (out.split('.')[0] ?? '').trimEnd()
  assert.doesNotMatch(stem, /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i, `reserved: ${out}`)
  assert.equal(out, out.normalize('NFC'))
  assert.equal(safeFileName(out), out, 'a safe name stays as it is')
  return out
}

describe('safeFileName', () => {
  test('keeps ordinary names as they are', () => {
    for (const name of [
      'report.pdf',
      '한국어 파일.hwp',
      '사진 (1).jpg',
      '👨‍👩‍👧 family.png',
      'a.tar.gz',
    ]) {
      assert.equal(assertSafe(name), name)
    }
  })

  test('traversal and absolute paths become one plain name', () => {
    assert.equal(assertSafe('../../.bashrc'), 'bashrc')
    assert.equal(assertSafe('..'), 'file')
    assert.equal(assertSafe('.'), 'file')
    assert.equal(assertSafe('/etc/passwd'), 'etc_passwd')
    assert.equal(assertSafe('..\\..\\Windows\\win.ini'), 'Windows_win.ini')
    assert.equal(assertSafe('C:\\'), 'C_')
    assert.equal(assertSafe('C:\\Users\\me\\evil.exe'), 'C__Users_me_evil.exe')
    assert.equal(assertSafe('\\\\server\\share\\x.txt'), 'server_share_x.txt')
    assert.equal(assertSafe('a/./b/../c'), 'a_b_c')
    assert.equal(assertSafe('file.txt:hidden-stream'), 'file.txt_hidden-stream')
  })

  test('control and bidi characters are removed, so the real extension shows', () => {
    // "invoice\u202Efdp.exe" displays as "invoiceexe.pdf" in a bidi-aware UI.
    assert.equal(assertSafe('invoice\u202Efdp.exe'), 'invoicefdp.exe')
    assert.equal(assertSafe('a\u0000b'), 'ab')
    assert.equal(assertSafe('line\nbreak\r\t.txt'), 'linebreak.txt')
    assert.equal(assertSafe('\u2066x\u2069\u200f\u061c\ufeff.md'), 'x.md')
    assert.equal(assertSafe('\u0085next\u2028line\u2029.txt'), 'nextline.txt')
    assert.equal(assertSafe('\ud800lone'), 'lone')
    assert.equal(assertSafe('\u0000'), 'file')
  })

  test('reserved Windows device names, with any extension, get a prefix', () => {
    for (const name of [
      'CON',
      'con',
      'PRN.txt',
      'aux.tar.gz',
      'NUL',
      'nul .txt',
      'COM1',
      'com9.log',
    ]) {
      assert.equal(assertSafe(name), `_${name}`)
    }
    for (const name of ['LPT1.doc', 'lpt9', 'COM¹', 'conin$', 'CONOUT$.x']) {
      assert.equal(assertSafe(name), `_${name}`)
    }
    for (const name of ['CONSOLE.txt', 'com10', 'nul_', 'Aux2.md', 'lpt']) {
      assert.equal(assertSafe(name), name)
    }
  })

  test('trailing dots and spaces are removed', () => {
    assert.equal(assertSafe('name. . .'), 'name')
    assert.equal(assertSafe('  spaced  '), 'spaced')
    assert.equal(assertSafe('CON. '), '_CON')
  })

  test('long names are cut to 255 UTF-8 bytes, keeping the extension', () => {
    const long = assertSafe(`${'x'.repeat(10_000)}.pdf`)
    assert.equal(bytes(long), 255)
    assert.ok(long.endsWith('.pdf'))
    const korean = assertSafe(`${'가'.repeat(10_000)}.hwp`)
    assert.ok(korean.endsWith('.hwp'))
    assert.ok(bytes(korean) <= 255 && bytes(korean) > 250)
    // An emoji family (several code points joined) is never split in half.
    const family = '👨‍👩‍👧'
    const emoji = assertSafe(`${family.repeat(100)}.png`)
    assert.match(emoji, new RegExp(`^(${family})+\\.png$`, 'u'))
    // One letter with thousands of accents is one grapheme: cut by code points instead.
    const zalgo = assertSafe(`e${'\u0301'.repeat(10_000)}.txt`)
    assert.ok(zalgo.startsWith('é') && zalgo.endsWith('.txt'))
    // A huge "extension" is part of the name, not kept whole.
    assert.equal(bytes(assertSafe(`a.${'y'.repeat(10_000)}`)), 255)
    assert.equal(bytes(assertSafe('\\'.repeat(10_000))), 4)
  })

  test('random strings of hostile characters always give a safe name', () => {
    const alphabet = [
      ...'./\\:*?"<>| \t\n\r\u0000.abcCONLPTnul1',
      '\u202e',
      '\u2066',
      '\u200d',
      '\ud800',
      '가',
      '👩',
      '\u0301',
      '\u0085',
      '\u2028',
    ]
    let seed = 42
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < 2000; i++) {
      const length = next() % (i % 10 === 0 ? 400 : 30)
      let s = ''
      for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length]
      assertSafe(s)
    }
  })
})

describe('displayName', () => {
  test('shows ordinary names as they are, including traversal text', () => {
    for (const name of ['report.pdf', '한국어 파일.hwp', '👨‍👩‍👧.png', '../../.bashrc', 'C:/x']) {
      assert.equal(displayName(name), name)
    }
  })

  test('makes invisible and direction-changing characters visible', () => {
    assert.equal(displayName('invoice\u202Efdp.exe'), 'invoice\\u{202E}fdp.exe')
    assert.equal(displayName('a\u0000b'), 'a\\u{0000}b')
    assert.equal(displayName('x\ny'), 'x\\u{000A}y')
    assert.equal(displayName('\u2066\u200f'), '\\u{2066}\\u{200F}')
    assert.equal(displayName('\ud800'), '\\u{D800}')
    assert.equal(displayName('\u2028'), '\\u{2028}')
  })

  test('a real backslash cannot pass for an escape', () => {
    assert.equal(displayName('C:\\Windows'), 'C:\\\\Windows')
    assert.notEqual(displayName('\\u{202E}'), displayName('\u202e'))
  })

  test('long names keep their start and their extension around an ellipsis', () => {
    const shown = displayName(`${'x'.repeat(10_000)}.exe`, 60)
    assert.equal([...shown].length, 60)
    assert.ok(shown.includes('…'))
    assert.ok(shown.endsWith('.exe'))
    assert.equal(displayName('short.txt', 60), 'short.txt')
  })
})

describe('shelfNameFor', () => {
  test('turns any name from a disk into a valid shelf name, keeping ordinary ones', () => {
    for (const name of ['report.pdf', '가족 사진.png', 'CON.txt', '<b>bold.html', 'a..b']) {
      assert.equal(shelfNameFor(name), name)
    }
    const cases: [string, string][] = [
      ['../../.bashrc', '.._.._.bashrc'],
      ['C:\\Users\\x.exe', 'C:_Users_x.exe'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      ['  spaced  ', 'spaced'],
      ['..', 'file'],
      ['\u0000', 'file'],
    ]
    for (const [input, want] of cases)
      assert.equal(shelfNameFor(input), want, JSON.stringify(input))
    const long = shelfNameFor(`${'x'.repeat(10_000)}.pdf`)
    assert.equal(long.length, 255)
    assert.ok(long.endsWith('.pdf'))
    for (const input of [
      '..',
      '',
      '/',
      '\u202e',
      `${'가'.repeat(300)}`,
      ' . ',
      '\n',
      `a${'\u0301'.repeat(400)}`,
    ]) {
      assert.equal(FileName.safeParse(shelfNameFor(input)).success, true, JSON.stringify(input))
    }
  })
})

describe('isExecutableName', () => {
  test('programs, scripts, installers and web pages, however they are dressed up', () => {
    for (const name of [
      'setup.exe',
      'SETUP.EXE',
      'run.sh',
      'x.ps1',
      'page.html',
      'a.js',
      'setup.exe. ',
      'doc.pdf.scr',
      'x.svg',
    ]) {
      assert.equal(isExecutableName(name), true, name)
    }
    for (const name of ['photo.jpg', 'report.pdf', 'exe', 'notes.txt', 'archive.zip', '.exe.txt']) {
      assert.equal(isExecutableName(name), false, name)
    }
  })
})
