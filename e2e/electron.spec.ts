// The desktop app itself, launched with Playwright's _electron against the production bundles:
// the window is isolated, sandboxed and Node-free, it cannot navigate or open windows, a message
// typed in it reaches a second peer (a `hearth serve` process) and back and is seen there, the
// window tells the main process which group is on screen, a notification click shows its message,
// and when the peer's process is killed the window says so and carries on once it is back.
// It needs the Electron binary, which `npm ci` does not fetch (Electron downloads it on first
// use): where it is missing, the "electron" project reports its tests as skipped, with the reason.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron, test, type ElectronApplication, type Page } from '@playwright/test'
import WebSocket from 'ws'
import { createClient, type ApiClient } from '../shared/rpc/client.ts'
import { wsChannel } from '../shared/rpc/ws-channel.ts'
import { IPC } from '../electron/ipc.ts'
import { startWebPeer, type WebPeer } from './fixtures/web-peer.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
const DESKTOP_API = [
  'onHostStatus',
  'onOpenMessage',
  'openExternal',
  'openFiles',
  'requestPort',
  'revealInFolder',
  'saveFile',
  'setViewedGroup',
]

/**
 * The executable `require('electron')` would return, found the same way (path.txt in the
 * package) but without requiring it: on a machine without the binary that require starts a
 * download.
 */
function electronBinary(): { path: string } | { missing: string } {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const pathFile = path.join(pkg, 'path.txt')
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist')
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined
  const executable = relative === undefined ? undefined : path.join(distDir, relative)
  if (executable === undefined || !fs.existsSync(executable)) {
    return {
      missing:
        'the Electron binary is not installed (download blocked here); run "npx install-electron" where it can be downloaded',
    }
  }
  return { path: executable }
}

function skipReason(): string | undefined {
  const binary = electronBinary()
  if ('missing' in binary) return binary.missing
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display for the Electron window (run under xvfb-run)'
  }
  return undefined
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    )
  })
}

/** A client of a `hearth serve` peer, through the API address and token it wrote. */
async function apiClient(dataDir: string): Promise<ApiClient> {
  const info = JSON.parse(fs.readFileSync(path.join(dataDir, 'api.json'), 'utf8')) as {
    api: string
    token: string
  }
  const socket = new WebSocket(info.api, [`hearth.${info.token}`])
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return createClient(wsChannel(socket), { timeoutMs: 60_000 })
}

const reason = skipReason()

test.describe('desktop app (Electron)', () => {
  // One app and one second peer for the whole story, in order.
  test.describe.configure({ mode: 'serial' })
  test.skip(reason !== undefined, reason)

  let root: string
  let app: ElectronApplication
  let page: Page
  let bob: WebPeer
  let bobApi: ApiClient
  let groupId: string
  const pageErrors: Error[] = []

  test.beforeAll(async () => {
    const binary = electronBinary()
    if ('missing' in binary) throw new Error(binary.missing)
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-electron-'))
    fs.mkdirSync(SHOTS, { recursive: true })
    await run(process.execPath, ['--disable-warning=ExperimentalWarning', 'electron/build.ts'])
    bob = await startWebPeer({ dataDir: path.join(root, 'bob'), name: 'Bob' })
    bobApi = await apiClient(bob.dataDir)
    const env = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    )
    app = await _electron.launch({
      executablePath: binary.path,
      args: [REPO],
      cwd: REPO,
      env: { ...env, HEARTH_DATA_DIR: path.join(root, 'alice') },
    })
    page = await app.firstWindow()
    page.on('pageerror', (err) => pageErrors.push(err))
  })

  test.afterAll(async () => {
    await app?.close()
    bobApi?.close()
    await bob?.stop().catch((err: unknown) => console.error(err))
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('the window is isolated, sandboxed, without Node, and runs no inline script', async () => {
    const windows = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows().map((w) => {
        // Undocumented but long-standing (Electron's own specs read it): the preferences the
        // renderer really got, after every default was applied.
        const contents = w.webContents as unknown as {
          getLastWebPreferences?: () => Electron.WebPreferences | null
        }
        if (typeof contents.getLastWebPreferences !== 'function') {
          throw new Error('webContents.getLastWebPreferences is gone; check the preferences anew')
        }
        const p = contents.getLastWebPreferences()
        return {
          url: w.webContents.getURL(),
          contextIsolation: p?.contextIsolation,
          sandbox: p?.sandbox,
          nodeIntegration: p?.nodeIntegration,
          nodeIntegrationInSubFrames: p?.nodeIntegrationInSubFrames,
          webSecurity: p?.webSecurity,
          webviewTag: p?.webviewTag,
        }
      }),
    )
    assert.equal(windows.length, 1)
    assert.deepEqual(windows[0], {
      url: 'app://hearth/index.html',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    })
    const seen = await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.inlineRan = true'
      document.head.append(script)
      const hearth = (window as unknown as { hearth?: Record<string, unknown> }).hearth ?? {}
      return {
        require: 'require' in window,
        process: 'process' in window,
        inlineRan: 'inlineRan' in window,
        api: Object.keys(hearth).sort(),
      }
    })
    assert.deepEqual(seen, { require: false, process: false, inlineRan: false, api: DESKTOP_API })
  })

  test('the page can neither navigate away nor open windows', async () => {
    const start = page.url()
    // Listen in the main process first; our own handler runs before this one.
    await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]?.webContents
      const verdict = new Promise<boolean>((resolve) => {
        contents?.once('will-navigate', (event) => resolve(event.defaultPrevented))
      })
      Object.assign(globalThis, { hearthNavigation: verdict })
    })
    await page.evaluate(() => {
      window.location.href = 'https://example.com/'
    })
    const prevented = await app.evaluate(
      () => (globalThis as unknown as { hearthNavigation: Promise<boolean> }).hearthNavigation,
    )
    assert.equal(prevented, true)
    assert.equal(page.url(), start)
    const opened = await page.evaluate(() => window.open('https://example.com/') === null)
    assert.equal(opened, true, 'window.open is refused')
    assert.equal(app.windows().length, 1)
  })

  test('a message sent from the window reaches a second peer, and its reply comes back', async () => {
    // Listen beside the app's own handler for what the window says is on screen.
    await app.evaluate(({ ipcMain }, channel) => {
      const viewed: unknown[] = []
      ipcMain.on(channel, (_event, groupId: unknown) => viewed.push(groupId))
      Object.assign(globalThis, { hearthViewed: viewed })
    }, IPC.setViewedGroup)
    await page.getByLabel('Your name').fill('Alice')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'New group' }).waitFor()

    const created = await bobApi.call('groups.create', { name: 'Family' })
    groupId = created.groupId
    const { invite } = created
    await page.getByRole('button', { name: 'Join a group' }).click()
    await page.getByLabel('Invite or code').fill(invite)
    await page.getByRole('button', { name: 'Join', exact: true }).click()
    await page.getByRole('heading', { name: 'Family' }).waitFor()

    const text = 'Hello from the desktop app'
    const arrived = new Promise<{ authorName: string; verified: boolean }>((resolve) => {
      bobApi.on('messageAdded', ({ groupId: g, message }) => {
        if (g === groupId && message.text === text) resolve(message)
      })
    })
    const composer = page.getByTestId('composer')
    await composer.fill(text)
    await composer.press('Enter')
    const message = await arrived
    assert.equal(message.authorName, 'Alice')
    assert.equal(message.verified, true)

    const { messageId: reply } = await bobApi.call('messages.send', {
      group: groupId,
      text: 'Hi Alice, from Bob',
    })
    await page.getByTestId('message-text').filter({ hasText: 'Hi Alice, from Bob' }).waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'electron-chat.png') })
    // The window is in front, so Bob's reply counts as read, and Bob hears of it.
    await new Promise<void>((resolve) => {
      const check = (receipts: { peerId: string; messageId: string }[]) => {
        if (receipts.some((r) => r.peerId !== bob.ready.peerId && r.messageId === reply)) resolve()
      }
      bobApi.on('receiptsChanged', ({ groupId: g, receipts }) => g === groupId && check(receipts))
      void bobApi.call('receipts.list', { group: groupId }).then(check)
    })
    const viewed = await app.evaluate(
      () => (globalThis as unknown as { hearthViewed: unknown[] }).hearthViewed,
    )
    assert.equal(viewed.at(-1), groupId, 'the main process knows which group is on screen')
    assert.deepEqual(pageErrors, [])
  })

  test('a notification click shows its message', async () => {
    const { messageId } = await bobApi.call('messages.send', { group: groupId, text: 'Look here' })
    await page.getByTestId('message-text').filter({ hasText: 'Look here' }).waitFor()
    // What the main process sends when a notification is clicked (main.ts, Notifier.onOpen).
    await app.evaluate(
      ({ BrowserWindow }, [channel, target]) => {
        BrowserWindow.getAllWindows()[0]?.webContents.send(channel, target)
      },
      [IPC.openMessage, { groupId, messageId }] as const,
    )
    await page.locator(`[data-message-id="${messageId}"].highlighted`).waitFor()
  })

  test('when the peer’s process dies the window says so, and works again once it is back', async () => {
    const pid = await app.evaluate(
      ({ app: electronApp }) =>
        electronApp
          .getAppMetrics()
          .find((m) => m.type === 'Utility' && m.serviceName === 'Hearth peer')?.pid,
    )
    assert.ok(pid !== undefined, 'the core host runs as a utility process')
    process.kill(pid, 'SIGKILL')
    const banner = page.getByTestId('host-banner')
    await banner.getByText(/stopped unexpectedly/).waitFor()
    await banner.getByText('Hearth is running again.').waitFor({ timeout: 60_000 })
    const text = 'Back after a restart'
    const arrived = new Promise<void>((resolve) => {
      bobApi.on('messageAdded', ({ message }) => message.text === text && resolve())
    })
    await page.getByRole('button', { name: /Family/ }).click()
    const composer = page.getByTestId('composer')
    await composer.fill(text)
    await composer.press('Enter')
    await arrived
    assert.deepEqual(pageErrors, [])
  })
})
