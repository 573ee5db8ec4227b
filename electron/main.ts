// The main process: lifecycle only. One instance per data folder, one hardened window, the tray
// and notifications, and the core host that runs the peer — started, restarted after a crash, and
// asked to stop (so the peer flushes to disk) before the app exits. It holds no app data itself.
import os from 'node:os'
import path from 'node:path'
import {
  app,
  BrowserWindow,
  dialog,
  MessageChannelMain,
  Notification,
  session,
  utilityProcess,
  type MessagePortMain,
} from 'electron'
import { createClient } from '../shared/rpc/client.ts'
import { portChannel } from '../shared/rpc/port-channel.ts'
import type { HostStatus } from '../renderer/platform/desktop-api.ts'
import { registerAppScheme, serveRenderer } from './app-protocol.ts'
import { Attention } from './attention.ts'
import { hostArgs } from './core-host-protocol.ts'
import { PathGrants } from './file-access.ts'
import { HostSupervisor, type HostProcess } from './host-supervisor.ts'
import { registerIpc } from './ipc-handlers.ts'
import { IPC } from './ipc.ts'
import { Notifier } from './notifier.ts'
import { acquireFolderLock, type LockResult } from './instance-lock.ts'
import { applyPortable, findPortable, resolveDataDir, windowStateFile } from './paths.ts'
import { RestartPolicy } from './restart-policy.ts'
import { APP_ORIGIN, contentSecurityPolicy, originOf } from './security.ts'
import { stringsFor, type Strings } from './strings.ts'
import { AppTray } from './tray.ts'
import { createMainWindow, hardenContents, hardenSession } from './window.ts'
import { isProcessAlive } from '../shared/peer/processes.ts'

// Defined by Forge's Vite plugin at build time: the dev server under `npm start`, and the name of
// the renderer entry (its folder under .vite/renderer/).
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined
declare const MAIN_WINDOW_VITE_NAME: string | undefined

/** How long the peer gets to flush and close its database when the app quits. */
const STOP_TIMEOUT_MS = 15_000

const devServerUrl =
  typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined
const rendererName =
  typeof MAIN_WINDOW_VITE_NAME === 'string' ? MAIN_WINDOW_VITE_NAME : 'main_window'
const rendererOrigin = (devServerUrl && originOf(devServerUrl)) || APP_ORIGIN
const rendererUrl = devServerUrl ?? `${APP_ORIGIN}/index.html`
const csp = contentSecurityPolicy(devServerUrl)

const portableDir = findPortable({
  execPath: process.execPath,
  platform: process.platform,
  env: process.env,
  isPackaged: app.isPackaged,
  appPath: app.getAppPath(),
  argv: process.argv,
})
const { dir: dataDir, source } = resolveDataDir({
  env: process.env,
  userData: () => app.getPath('userData'),
  portableDir,
})
const portable = source === 'portable'
// Chromium's profile and the single-instance lock follow the data folder, so two data folders are
// two independent apps (the e2e tests run one beside a CLI peer). Portable mode moves every
// other place Electron writes to into the folder too, before ready.
if (portable) applyPortable(app, dataDir, process.env, process.platform)
else if (source !== 'user-data') app.setPath('userData', dataDir)
registerAppScheme()

// Chromium's lock is a symbolic link in the profile, which a FAT stick cannot hold: a portable
// app locks its folder with a plain file instead.
const lock: LockResult | undefined = portable
  ? acquireFolderLock(dataDir, { pid: process.pid, host: os.hostname() }, isProcessAlive)
  : undefined
if (lock !== undefined && !lock.acquired) {
  void app.whenReady().then(() => {
    dialog.showErrorBox('Hearth', stringsFor(app.getLocale()).alreadyRunning)
    app.quit()
  })
} else if (lock === undefined && !app.requestSingleInstanceLock()) {
  app.quit()
} else {
  if (lock?.acquired) app.on('will-quit', () => lock.release())
  run()
}

function spawnCoreHost(): HostProcess<MessagePortMain> {
  const child = utilityProcess.fork(
    path.join(__dirname, 'core-host.cjs'),
    hostArgs({ dataDir, portable }),
    {
      serviceName: 'Hearth peer',
    },
  )
  return {
    postMessage: (message, transfer) => child.postMessage(message, transfer),
    kill: () => void child.kill(),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
  }
}

function run(): void {
  const supervisor = new HostSupervisor<MessagePortMain>({
    spawn: spawnCoreHost,
    policy: new RestartPolicy(),
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
    stopTimeoutMs: STOP_TIMEOUT_MS,
  })
  const attention = new Attention()
  let win: BrowserWindow | undefined
  let tray: AppTray | undefined
  let strings: Strings | undefined

  app.on('web-contents-created', (_event, contents) => hardenContents(contents))

  const openWindow = (): BrowserWindow => {
    const created = createMainWindow({
      preload: path.join(__dirname, 'preload.cjs'),
      url: rendererUrl,
      stateFile: windowStateFile(dataDir),
    })
    created.on('focus', () => setFocused(true))
    created.on('blur', () => setFocused(false))
    created.on('closed', () => {
      if (win === created) win = undefined
      setFocused(false)
    })
    created.webContents.on('render-process-gone', (_event, details) => {
      console.error(`hearth: the window's page went away (${details.reason})`)
    })
    return created
  }

  // macOS may send 'activate' (and a second instance may knock) before setup below is done.
  let ready = false
  const showWindow = () => {
    if (!ready) return
    win ??= openWindow()
    if (win.isMinimized()) win.restore()
    win.show()
    win.focus()
  }

  const notifier = new Notifier({
    attention,
    get strings() {
      return strings ?? stringsFor('en')
    },
    onUnreadChanged: (total) => tray?.setUnread(total, win),
    onOpen: (target) => {
      showWindow()
      win?.webContents.send(IPC.openMessage, target)
    },
  })

  function setFocused(focused: boolean) {
    attention.setFocused(focused)
    notifier.clearRead()
    tray?.setUnread(attention.unreadTotal, win)
  }

  /** The notifier's own channel to the peer, opened afresh each time the peer is running. */
  const watchPeer = () => {
    const { port1, port2 } = new MessageChannelMain()
    supervisor.connect(port1)
    notifier.watch(createClient(portChannel(port2))).catch((err: unknown) => {
      console.warn('hearth: notifications are off until the peer restarts:', err)
    })
  }

  const tellPerson = (status: HostStatus) => {
    if (!strings || !Notification.isSupported() || win?.isFocused()) return
    if (status.state === 'crashed' && status.restarts === 1) {
      new Notification({ title: 'Hearth', body: strings.peerRestarting }).show()
    } else if (status.state === 'failed') {
      new Notification({ title: 'Hearth', body: strings.peerFailed }).show()
    }
  }

  supervisor.onStatus((status) => {
    win?.webContents.send(IPC.hostStatus, status)
    tellPerson(status)
    if (status.state === 'running') watchPeer()
  })

  app.on('second-instance', showWindow)
  app.on('activate', showWindow)
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Quitting waits for the peer to stop, so every message it acknowledged is on disk.
  let quitting: 'no' | 'stopping-peer' | 'done' = 'no'
  app.on('before-quit', (event) => {
    if (quitting === 'done') return
    event.preventDefault()
    if (quitting === 'stopping-peer') return
    quitting = 'stopping-peer'
    // The peer may take a moment to flush; the person should not watch a disconnected window.
    win?.hide()
    void supervisor.stop().finally(() => {
      quitting = 'done'
      tray?.destroy()
      app.quit()
    })
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())

  app
    .whenReady()
    .then(() => {
      strings = stringsFor(app.getLocale())
      hardenSession(session.defaultSession, rendererOrigin, csp)
      if (devServerUrl === undefined) {
        serveRenderer(
          session.defaultSession,
          path.join(__dirname, '..', 'renderer', rendererName),
          csp,
        )
      }
      supervisor.start()
      registerIpc({
        trusted: () =>
          win ? { window: win, webContents: win.webContents, origin: rendererOrigin } : undefined,
        connect: (port) => supervisor.connect(port),
        grants: new PathGrants([dataDir]),
        strings,
        downloadsDir: app.getPath('downloads'),
        setViewedGroup: (groupId) => {
          attention.setViewedGroup(groupId)
          notifier.clearRead()
          tray?.setUnread(attention.unreadTotal, win)
        },
      })
      try {
        tray = new AppTray({ strings, onShow: showWindow, onQuit: () => app.quit() })
      } catch (err) {
        console.warn('hearth: no tray icon on this desktop:', err)
      }
      ready = true
      // Shown by itself once painted (ready-to-show), so it never flashes blank.
      win ??= openWindow()
    })
    .catch((err: unknown) => {
      console.error('hearth: the app could not start:', err)
      app.exit(1)
    })
}
