// The one window and the defaults every web contents gets: the hardened webPreferences, no
// navigation, no new windows, no webviews, no downloads, no permissions but clipboard writing,
// and the CSP on every response.
import { BrowserWindow, screen, type Session, type WebContents } from 'electron'
import { APP_NAME } from './paths.ts'
import { HARDENED_WEB_PREFERENCES, permissionAllowed } from './security.ts'
import {
  fitToWorkAreas,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  saveWindowState,
} from './window-state.ts'

export interface MainWindowOptions {
  /** Absolute path of the bundled preload script. */
  preload: string
  /** app://hearth/index.html, or the dev server under `npm start`. */
  url: string
  stateFile: string
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea)
  const state = fitToWorkAreas(loadWindowState(options.stateFile), workAreas)
  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined && { x: state.x, y: state.y }),
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: APP_NAME,
    show: false,
    autoHideMenuBar: true,
    webPreferences: { ...HARDENED_WEB_PREFERENCES, preload: options.preload },
  })
  if (state.maximized) win.maximize()
  win.once('ready-to-show', () => win.show())
  win.on('close', () => {
    try {
      saveWindowState(options.stateFile, {
        ...win.getNormalBounds(),
        maximized: win.isMaximized(),
      })
    } catch (err) {
      console.warn('hearth: could not save the window state:', err)
    }
  })
  win.loadURL(options.url).catch((err: unknown) => {
    console.error(`hearth: the window could not load ${options.url}:`, err)
  })
  return win
}

/**
 * Applied to every web contents the app creates (see app 'web-contents-created'). Our own loads
 * (loadURL) never emit will-navigate; only the page trying to go somewhere does. Subframes cannot
 * load at all (CSP frame-src 'none').
 */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault()
    console.warn(`hearth: blocked navigation to ${event.url}`)
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    console.warn('hearth: blocked a webview')
  })
  // Links leave the app only through the preload's openExternal, after the person confirms.
  contents.setWindowOpenHandler(({ url }) => {
    console.warn(`hearth: blocked a new window for ${url}`)
    return { action: 'deny' }
  })
}

export function hardenSession(session: Session, trustedOrigin: string, csp: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl, trustedOrigin))
  })
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin, trustedOrigin),
  )
  // The dev server's responses get the same policy as app:// ones (which set it themselves).
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    )
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } })
  })
  session.on('will-download', (event, item) => {
    event.preventDefault()
    console.warn(`hearth: blocked a download of ${item.getURL()}`)
  })
}
