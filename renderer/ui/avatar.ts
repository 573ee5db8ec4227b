// What an avatar shows: the first letter of a name, on one of a few tints chosen from an id, so a
// person or group keeps its colour everywhere and two names with one initial still differ.
// Pure, so it is tested without a DOM.

export const AVATAR_TONES = 8

export function toneOf(id: string): number {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) >>> 0
  return hash % AVATAR_TONES
}

// Punctuation, symbols and bidi controls make poor initials ("<b>Bob" shows B, not <).
const LETTER = /[\p{L}\p{N}\p{Extended_Pictographic}]/u
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

export function initialOf(name: string): string {
  for (const { segment } of graphemes.segment(name)) {
    if (LETTER.test(segment)) return segment.toLocaleUpperCase()
  }
  return '?'
}
