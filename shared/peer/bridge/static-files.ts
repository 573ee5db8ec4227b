// Maps a request path to a file under the web UI folder, and nothing else: no traversal, no
// absolute paths, no symlinks leading out, no directories. Every refusal looks like "not found".
import fs from 'node:fs'
import path from 'node:path'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
}

export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/**
 * `root` must already be a real path (see `fs.realpathSync`). `pathname` is the raw path of the
 * request target, still percent-encoded. Returns the real path of a regular file, or undefined.
 */
export async function resolveStaticFile(
  root: string,
  pathname: string,
): Promise<string | undefined> {
  if (!pathname.startsWith('/')) return undefined
  let decoded: string
  try {
    decoded = pathname === '/' ? '/index.html' : decodeURIComponent(pathname)
  } catch {
    // Malformed percent-encoding names no file we have.
    return undefined
  }
  const segments = decoded.slice(1).split('/')
  const unsafe = (s: string) =>
    s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0') || s.includes(':')
  if (segments.some(unsafe)) return undefined

  const candidate = path.join(root, ...segments)
  if (!isInside(root, candidate)) return undefined
  let real: string
  let stat: fs.Stats
  try {
    real = await fs.promises.realpath(candidate)
    stat = await fs.promises.stat(real)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined
    throw err
  }
  // A symlink inside the folder must not lead out of it.
  if (!isInside(root, real) || !stat.isFile()) return undefined
  return real
}
