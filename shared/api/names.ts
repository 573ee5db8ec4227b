// File names chosen by other members are hostile input. The blob store never sees them (it is
// addressed by hashes); they matter only when a file is saved (safeFileName: a name that is one
// plain file on every platform we run on) or shown (displayName: what is really there, with
// anything invisible or direction-changing made visible instead of obeyed). A name going the
// other way, from this device's disk onto a shelf, is made a valid shelf name (shelfNameFor).
// Pure functions, used by the peer, the CLI, the UI and the desktop shell alike.

const MAX_NAME_BYTES = 255
/** The longest shelf name (FileName in domain.ts), in UTF-16 code units as JavaScript counts. */
const MAX_SHELF_NAME_UNITS = 255
/** A longer "extension" is just part of the name. */
const MAX_EXTENSION_BYTES = 32
const FALLBACK_NAME = 'file'
const ZWJ = 0x200d

// Cc: C0/C1 controls and DEL. Cf: format characters, which include the bidi overrides and
// isolates (U+202A–202E, U+2066–2069), the marks U+200E/U+200F/U+061C and zero-width characters.
// Zl/Zp: line and paragraph separators. Cs: halves of a surrogate pair standing alone (not text
// at all). ZWJ stays: emoji sequences need it and it moves nothing.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
const INVISIBLE_CHAR = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u
const SEPARATORS = /[/\\]/
/** Characters Windows does not allow in a name (the separators are handled before). */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g
/** Device names Windows reserves whatever the extension: "con.txt" opens the console. */
const RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i
const EDGE_DOTS_AND_SPACES = /^[\s.]+|[\s.]+$/gu

const utf8 = new TextEncoder()
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' })

/**
 * A name that is safe to create in a folder the user chose: one path component, no traversal,
 * no hidden leading dot, nothing invisible, nothing Windows refuses or treats as a device,
 * at most 255 UTF-8 bytes (the extension is kept when it is cut), never empty.
 */
export function safeFileName(name: string): string {
  let s = String(name).replace(INVISIBLE, (c) => (c.codePointAt(0) === ZWJ ? c : ''))
  s = s.normalize('NFC')
  s = s
    .split(SEPARATORS)
    .filter((part) => !/^[\s.]*$/u.test(part))
    .join('_')
  s = s.replace(WINDOWS_FORBIDDEN, '_')
  s = trimEdges(s)
  s = capBytes(s)
  if (isReserved(s)) s = capBytes(`_${s}`)
  return s === '' ? FALLBACK_NAME : s
}

/**
 * The name for showing: every character that is invisible, moves text around or breaks lines is
 * shown as \u{XXXX} (and a real backslash as \\, so the two cannot be confused). Names longer
 * than `maxChars` characters keep their start and end (where the extension is) around an ellipsis.
 */
export function displayName(name: string, maxChars = 255): string {
  let out = ''
  for (const ch of String(name)) {
    const cp = ch.codePointAt(0) ?? 0
    if (ch === '\\') out += '\\\\'
    else if (cp !== ZWJ && INVISIBLE_CHAR.test(ch)) {
      out += `\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}`
    } else out += ch
  }
  const parts = [...graphemes.segment(out)].map((g) => g.segment)
  if (parts.length <= maxChars) return out
  const tail = Math.max(1, Math.floor((maxChars - 1) / 3))
  const head = Math.max(0, maxChars - 1 - tail)
  return `${parts.slice(0, head).join('')}…${parts.slice(parts.length - tail).join('')}`
}

/**
 * A name from this device's disk made into a valid shelf name (FileName in domain.ts): invisible
 * and direction-changing characters dropped, separators replaced, edges trimmed, at most 255
 * characters with the extension kept, never empty, "." or "..". Reserved Windows names are left
 * alone: they are harmless on a shelf, and safeFileName deals with them when a file is saved.
 */
export function shelfNameFor(name: string): string {
  let s = String(name).replace(INVISIBLE, (c) => (c.codePointAt(0) === ZWJ ? c : ''))
  s = s.normalize('NFC').replace(/[/\\]/g, '_').trim()
  s = capName(s, MAX_SHELF_NAME_UNITS, unitLength).trim()
  return s === '' || s === '.' || s === '..' ? FALLBACK_NAME : s
}

// Kinds of file that run code when opened (programs, scripts, installers, shortcuts, and web
// pages, which run script from the disk). Hearth never opens a file; the UI warns before saving
// one of these, because opening it is the next thing a person does.
const EXECUTABLE_EXTENSIONS = new Set([
  'app',
  'apk',
  'appimage',
  'bat',
  'bin',
  'cmd',
  'com',
  'command',
  'cpl',
  'deb',
  'desktop',
  'dll',
  'dmg',
  'exe',
  'gadget',
  'hta',
  'htm',
  'html',
  'inf',
  'ins',
  'isp',
  'jar',
  'js',
  'jse',
  'ksh',
  'lnk',
  'mht',
  'mhtml',
  'msc',
  'msi',
  'msix',
  'msp',
  'mst',
  'pif',
  'pkg',
  'pl',
  'ps1',
  'psm1',
  'py',
  'pyw',
  'rb',
  'reg',
  'rpm',
  'run',
  'scf',
  'scr',
  'sct',
  'sh',
  'shb',
  'svg',
  'url',
  'vb',
  'vbe',
  'vbs',
  'webloc',
  'wsc',
  'wsf',
  'wsh',
  'xhtml',
  'xpi',
])

/** Whether opening a file of this name may run code (by its extension, as systems decide). */
export function isExecutableName(name: string): boolean {
  // Trailing dots and spaces are ignored by Windows: "setup.exe. " runs as setup.exe.
  const trimmed = String(name).replace(EDGE_DOTS_AND_SPACES, '')
  const dot = trimmed.lastIndexOf('.')
  if (dot < 0) return false
  return EXECUTABLE_EXTENSIONS.has(trimmed.slice(dot + 1).toLowerCase())
}

function trimEdges(s: string): string {
  return s.replace(EDGE_DOTS_AND_SPACES, '')
}

function isReserved(s: string): boolean {
  const stem = s.split('.')[0] ?? ''
  return RESERVED.test(stem.trimEnd())
}

function byteLength(s: string): number {
  return utf8.encode(s).length
}

function unitLength(s: string): number {
  return s.length
}

/** Cuts `s` to MAX_NAME_BYTES on a character boundary, keeping a short extension whole. */
function capBytes(s: string): string {
  return capName(s, MAX_NAME_BYTES, byteLength)
}

/** Cuts `s` to `max` (as `measure` counts) on a character boundary, keeping a short extension. */
function capName(s: string, max: number, measure: (s: string) => number): string {
  if (measure(s) <= max) return s
  const dot = s.lastIndexOf('.')
  const ext = dot > 0 ? s.slice(dot) : ''
  const keepExt = ext !== '' && byteLength(ext) <= MAX_EXTENSION_BYTES
  const stem = keepExt ? s.slice(0, dot) : s
  const budget = max - (keepExt ? measure(ext) : 0)
  const cut = trimEdges(prefixWithin(stem, budget, measure))
  return keepExt ? `${cut}${ext}` : cut
}

/**
 * The longest prefix of whole characters (grapheme clusters, so an emoji or a letter with its
 * accents is never split) within `budget` bytes. A single cluster longer than the budget
 * (a letter with thousands of combining marks) is cut by code points instead.
 */
function prefixWithin(s: string, budget: number, measure: (s: string) => number): string {
  let out = ''
  let used = 0
  for (const { segment } of graphemes.segment(s)) {
    const n = measure(segment)
    if (used + n > budget) {
      if (out !== '') return out
      break
    }
    out += segment
    used += n
  }
  if (out !== '') return out
  for (const cp of s) {
    const n = measure(cp)
    if (used + n > budget) break
    out += cp
    used += n
  }
  return out
}
