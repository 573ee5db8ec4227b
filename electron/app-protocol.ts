// Serves the packaged renderer from app://hearth/ rather than file://, as Electron's security guide
// advises: the page gets a real origin to check senders against, file:// keeps none of its extra
// privileges, and only files under the renderer folder can ever be read.
import fs from 'node:fs/promises'
import path from 'node:path'
import { protocol, type Session } from 'electron'
import { APP_SCHEME, resolveAppFile } from './security.ts'

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } })
}

export function serveRenderer(session: Session, root: string, csp: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(root, request.url)
    if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return notFound()
    }
    let body: Uint8Array
    try {
      body = new Uint8Array(await fs.readFile(file))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'EISDIR') console.error(`hearth: reading ${file}:`, err)
      return notFound()
    }
    return new Response(request.method === 'HEAD' ? null : body, {
      headers: {
        'content-type':
          CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      },
    })
  })
}
