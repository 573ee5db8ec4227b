// Splits message text into plain text and web links. Only http(s) addresses become links; any
// other scheme (javascript:, file:, data:) stays plain text, and nothing is ever parsed as HTML.
export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string }

const candidate = /\bhttps?:\/\/[^\s<>"'`]+/gi
// Sentence punctuation right after an address is almost never part of it.
const trailing = /[.,!?;:)\]}'"»”’]+$/

/** The address as a URL object when it is a well-formed http(s) link, else undefined. */
export function safeWebUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined
  const url = new URL(text)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  // "https://bank.example@evil.example" reads as the bank but goes elsewhere: not a link.
  if (url.username !== '' || url.password !== '') return undefined
  return url
}

export function splitLinks(text: string): Segment[] {
  const segments: Segment[] = []
  let at = 0
  for (const match of text.matchAll(candidate)) {
    const start = match.index
    const raw = match[0].replace(trailing, '')
    const url = safeWebUrl(raw)
    if (url === undefined) continue
    if (start > at) segments.push({ kind: 'text', text: text.slice(at, start) })
    segments.push({ kind: 'link', text: raw, url: url.href })
    at = start + raw.length
  }
  if (at < text.length) segments.push({ kind: 'text', text: text.slice(at) })
  return segments
}
