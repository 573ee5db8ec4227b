// Files handed to the browser as downloads: always an attachment (never shown inline, so a
// member's HTML or SVG can never run in the page's origin), with a name that is safe on every
// platform, and headers that stop the browser guessing a type. The address is a one-time ticket
// the peer issued to a client that presented the API token (`shelf.exportLink`).
import type { OutgoingHttpHeaders } from 'node:http'
import { safeFileName } from '../../api/names.ts'

/** What the peer hands the bridge for one ticket. */
export interface BridgeDownload {
  name: string
  size: number
  body: AsyncIterable<Uint8Array>
}

export const DOWNLOAD_PREFIX = '/download/'
const TICKET = /^[A-Za-z0-9_-]{43}$/

/** The ticket in a request path, or undefined when the path is not a download address. */
export function downloadTicket(pathname: string): string | undefined {
  if (!pathname.startsWith(DOWNLOAD_PREFIX)) return undefined
  const ticket = pathname.slice(DOWNLOAD_PREFIX.length)
  return TICKET.test(ticket) ? ticket : undefined
}

/**
 * `attachment` with the name twice: an ASCII fallback for old clients and the exact UTF-8 name
 * (RFC 6266 / RFC 8187). The name is reduced to one safe file name first, whatever it was.
 */
export function contentDisposition(name: string): string {
  const safe = safeFileName(name)
  const ascii = safe.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const exact = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`
}

export function downloadHeaders(download: BridgeDownload): OutgoingHttpHeaders {
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Length': download.size,
    'Content-Disposition': contentDisposition(download.name),
    'X-Content-Type-Options': 'nosniff',
    // Even if a browser rendered it, it could run nothing and reach nothing.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  }
}
