// The rules that keep the window a plain, powerless page: which URLs may leave the app, which IPC
// senders are ours, which files the app:// scheme may serve, and the CSP. Pure functions over
// small structural types, so they are tested without an Electron binary; window.ts applies them.
import path from 'node:path'
import type { WebPreferences } from 'electron'

/** The packaged renderer is served from app://hearth/ (a standard, secure scheme), never file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'hearth'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

const MAX_EXTERNAL_URL = 2048

/**
 * Every window's webPreferences (the preload path is added by window.ts). The page is an
 * isolated, sandboxed web page with no Node: even script injected into it could only call the
 * few methods the preload exposes.
 */
export const HARDENED_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: true,
} as const satisfies WebPreferences

/** The one browser permission the UI needs (its "copy invite" button), and only for our page. */
export function permissionAllowed(
  permission: string,
  requestingUrl: string,
  trustedOrigin: string,
): boolean {
  return (
    permission === 'clipboard-sanitized-write' &&
    originOf(requestingUrl) === trustedOrigin.toLowerCase()
  )
}

/**
 * `scheme://host[:port]` of a URL, computed by hand: Node's URL gives non-special schemes such as
 * app: the origin "null", while Chromium (where app: is registered as standard) does not.
 */
export function originOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined
  const parsed = new URL(url)
  if (parsed.host === '') return undefined
  return `${parsed.protocol}//${parsed.host}`.toLowerCase()
}

/**
 * The address to hand to the system browser, or undefined when it must not leave the app: only
 * http(s) with a host, no user:password@ (it disguises where a link goes), and of sane length.
 */
export function vetExternalUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_EXTERNAL_URL || !URL.canParse(raw)) {
    return undefined
  }
  const url = new URL(raw)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.hostname === '' || url.username !== '' || url.password !== '') return undefined
  return url.href
}

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string
  readonly parent: unknown
}

/** The parts of IpcMainEvent / IpcMainInvokeEvent the sender check reads. */
export interface IpcEventLike {
  readonly sender: unknown
  readonly senderFrame: FrameLike | null
}

export interface TrustedWindow {
  /** The webContents of our one window. */
  readonly webContents: unknown
  /** Where our renderer is served from: APP_ORIGIN, or the dev server's origin under `npm start`. */
  readonly origin: string
}

/**
 * True only for a message from the top frame of our window while it shows our renderer. A frame
 * that navigated elsewhere, a subframe, or another webContents never reaches a handler.
 */
export function isTrustedSender(event: IpcEventLike, trusted: TrustedWindow | undefined): boolean {
  if (!trusted) return false
  if (event.sender !== trusted.webContents) return false
  const frame = event.senderFrame
  // Null when the frame navigated or was destroyed since it sent the message.
  if (frame === null || frame.parent !== null) return false
  return originOf(frame.url) === trusted.origin.toLowerCase()
}

/**
 * The window's Content-Security-Policy. Nothing inline, nothing remote: scripts, styles and fonts
 * come from the app itself, and the page talks to the peer over a MessagePort, which CSP does not
 * govern. The dev server (`npm start`) additionally needs its HMR socket and the <style> tags Vite
 * injects for CSS; the packaged app never gets those.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  const dev = devServerUrl === undefined ? undefined : new URL(devServerUrl)
  const hmr = dev ? ` ws://${dev.host}` : ''
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${hmr}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "worker-src 'none'",
  ].join('; ')
}

/**
 * The file under `root` that an app://hearth/… request names, or undefined for anything that is
 * not ours or would step outside `root` (`..`, encoded `%2e%2e`, backslashes on Windows, NUL).
 */
export function resolveAppFile(root: string, requestUrl: string): string | undefined {
  if (!URL.canParse(requestUrl)) return undefined
  const url = new URL(requestUrl)
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined
  // A lone % (not followed by two hex digits) would make decodeURIComponent throw.
  if (/%(?![0-9a-f]{2})/i.test(url.pathname)) return undefined
  const relative = decodeURIComponent(url.pathname).replace(/^\/+/, '')
  if (relative.includes('\0')) return undefined
  const base = path.resolve(root)
  const file = path.resolve(base, relative === '' ? 'index.html' : relative)
  return file.startsWith(base + path.sep) ? file : undefined
}
