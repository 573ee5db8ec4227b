import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  HARDENED_WEB_PREFERENCES,
  permissionAllowed,
  isTrustedSender,
  originOf,
  resolveAppFile,
  vetExternalUrl,
  type FrameLike,
  type IpcEventLike,
} from './security.ts'

describe('HARDENED_WEB_PREFERENCES', () => {
  test('isolated, sandboxed, no Node anywhere, web security on', () => {
    assert.equal(HARDENED_WEB_PREFERENCES.contextIsolation, true)
    assert.equal(HARDENED_WEB_PREFERENCES.sandbox, true)
    assert.equal(HARDENED_WEB_PREFERENCES.nodeIntegration, false)
    assert.equal(HARDENED_WEB_PREFERENCES.nodeIntegrationInWorker, false)
    assert.equal(HARDENED_WEB_PREFERENCES.nodeIntegrationInSubFrames, false)
    assert.equal(HARDENED_WEB_PREFERENCES.webSecurity, true)
    assert.equal(HARDENED_WEB_PREFERENCES.allowRunningInsecureContent, false)
    assert.equal(HARDENED_WEB_PREFERENCES.webviewTag, false)
    assert.equal('preload' in HARDENED_WEB_PREFERENCES, false, 'window.ts adds the preload')
  })
})

describe('permissionAllowed', () => {
  test('only clipboard writing, only for our page', () => {
    assert.equal(permissionAllowed('clipboard-sanitized-write', 'app://hearth/', APP_ORIGIN), true)
    assert.equal(permissionAllowed('clipboard-read', 'app://hearth/', APP_ORIGIN), false)
    assert.equal(permissionAllowed('media', 'app://hearth/', APP_ORIGIN), false)
    assert.equal(permissionAllowed('notifications', 'app://hearth/', APP_ORIGIN), false)
    assert.equal(permissionAllowed('openExternal', 'app://hearth/', APP_ORIGIN), false)
    assert.equal(
      permissionAllowed('clipboard-sanitized-write', 'https://evil.example/', APP_ORIGIN),
      false,
    )
  })
})

describe('vetExternalUrl', () => {
  test('http and https addresses pass, normalised', () => {
    assert.equal(vetExternalUrl('https://example.com/news'), 'https://example.com/news')
    assert.equal(vetExternalUrl('HTTP://Example.COM'), 'http://example.com/')
    assert.equal(vetExternalUrl('https://example.com/a b?q=1#x'), 'https://example.com/a%20b?q=1#x')
  })

  test('every other scheme stays inside', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'app://hearth/index.html',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'vbscript:msgbox',
      'mailto:a@example.com',
      'about:blank',
      'chrome://settings',
    ]) {
      assert.equal(vetExternalUrl(url), undefined, url)
    }
  })

  test('non-strings, junk, credentials and huge addresses are refused', () => {
    assert.equal(vetExternalUrl(undefined), undefined)
    assert.equal(vetExternalUrl({ href: 'https://example.com' }), undefined)
    assert.equal(vetExternalUrl('not a url'), undefined)
    assert.equal(vetExternalUrl('https://'), undefined)
    assert.equal(vetExternalUrl('https://bank.example@evil.example/'), undefined)
    assert.equal(vetExternalUrl('https://user:pw@example.com/'), undefined)
    assert.equal(vetExternalUrl(`https://example.com/${'a'.repeat(3000)}`), undefined)
  })
})

describe('isTrustedSender', () => {
  const webContents = { id: 1 }
  const trusted = { webContents, origin: APP_ORIGIN }
  const top = (url: string): FrameLike => ({ url, parent: null })
  const event = (sender: unknown, senderFrame: FrameLike | null): IpcEventLike => ({
    sender,
    senderFrame,
  })

  test('the top frame of our window showing our page is trusted', () => {
    assert.equal(isTrustedSender(event(webContents, top('app://hearth/index.html')), trusted), true)
    assert.equal(isTrustedSender(event(webContents, top('APP://HEARTH/x?y#z')), trusted), true)
  })

  test('the dev server origin is trusted only when it is the one configured', () => {
    const dev = { webContents, origin: 'http://localhost:5173' }
    assert.equal(isTrustedSender(event(webContents, top('http://localhost:5173/')), dev), true)
    assert.equal(isTrustedSender(event(webContents, top('http://localhost:5174/')), dev), false)
    assert.equal(isTrustedSender(event(webContents, top('http://localhost:5173/')), trusted), false)
  })

  test('another page, a subframe, another webContents or a gone frame is refused', () => {
    const cases: [string, IpcEventLike][] = [
      ['another origin', event(webContents, top('https://evil.example/'))],
      ['a look-alike host', event(webContents, top('app://hearth.evil/index.html'))],
      ['file:', event(webContents, top('file:///app/index.html'))],
      ['about:blank', event(webContents, top('about:blank'))],
      ['a subframe', event(webContents, { url: 'app://hearth/index.html', parent: top('x') })],
      ['another webContents', event({ id: 2 }, top('app://hearth/index.html'))],
      ['a destroyed frame', event(webContents, null)],
    ]
    for (const [name, e] of cases) assert.equal(isTrustedSender(e, trusted), false, name)
  })

  test('no window yet means no sender is trusted', () => {
    assert.equal(isTrustedSender(event(webContents, top('app://hearth/')), undefined), false)
  })
})

describe('originOf', () => {
  test('keeps scheme, host and port, even for non-special schemes', () => {
    assert.equal(originOf('app://hearth/index.html'), 'app://hearth')
    assert.equal(originOf('http://localhost:5173/src/main.tsx'), 'http://localhost:5173')
    assert.equal(originOf('about:blank'), undefined)
    assert.equal(originOf('nonsense'), undefined)
  })
})

describe('contentSecurityPolicy', () => {
  test('the packaged policy allows nothing inline, remote or framed', () => {
    const csp = contentSecurityPolicy()
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /style-src 'self'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /object-src 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/)
  })

  test('the dev policy adds only the dev server socket and inline styles', () => {
    const csp = contentSecurityPolicy('http://localhost:5173')
    assert.match(csp, /connect-src 'self' ws:\/\/localhost:5173/)
    assert.match(csp, /style-src 'self' 'unsafe-inline'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-eval/)
  })
})

describe('resolveAppFile', () => {
  const root = path.resolve('/opt/hearth/renderer')

  test('our files resolve inside the root', () => {
    assert.equal(resolveAppFile(root, 'app://hearth/'), path.join(root, 'index.html'))
    assert.equal(resolveAppFile(root, 'app://hearth/index.html'), path.join(root, 'index.html'))
    assert.equal(
      resolveAppFile(root, 'app://hearth/assets/index-1.js?v=1#x'),
      path.join(root, 'assets', 'index-1.js'),
    )
    assert.equal(
      resolveAppFile(root, 'app://hearth/assets/a%20b.css'),
      path.join(root, 'assets', 'a b.css'),
    )
  })

  test('nothing resolves outside the root, however it is spelled', () => {
    for (const url of [
      'app://hearth/../secret',
      'app://hearth/%2e%2e/secret',
      'app://hearth/assets/%2e%2e/%2e%2e/%2e%2e/secret',
      'app://hearth/..%2f..%2fsecret',
      'app://hearth/..%5c..%5csecret',
      'app://hearth/%2f%2fetc/passwd',
    ]) {
      const file = resolveAppFile(root, url)
      assert.ok(file === undefined || file.startsWith(root + path.sep), `${url} → ${file}`)
    }
    // Encoded slashes survive URL normalisation and are caught after decoding.
    assert.equal(resolveAppFile(root, 'app://hearth/..%2f..%2fsecret'), undefined)
    assert.equal(resolveAppFile(root, 'app://hearth/assets%2f..%2f..%2fsecret'), undefined)
  })

  test('foreign, malformed and NUL-carrying requests resolve to nothing', () => {
    for (const url of [
      'app://other/index.html',
      'app://hearth.evil/index.html',
      'https://hearth/index.html',
      'file:///etc/passwd',
      'app://hearth/a%00.js',
      'app://hearth/%zz',
      'not a url',
    ]) {
      assert.equal(resolveAppFile(root, url), undefined, url)
    }
  })
})
