// The tray icon with its unread dot, and the OS badge (dock count on macOS, launcher count on
// Linux desktops that show one, an overlay on the Windows taskbar button).
import { app, Menu, nativeImage, Tray, type BrowserWindow, type NativeImage } from 'electron'
import type { Strings } from './strings.ts'
import { trayIconPng } from './tray-icon.ts'

function icon(badge: boolean): NativeImage {
  const image = nativeImage.createFromBuffer(trayIconPng(16, badge), { scaleFactor: 1 })
  image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(32, badge) })
  return image
}

export interface AppTrayOptions {
  strings: Strings
  onShow(): void
  onQuit(): void
}

export class AppTray {
  readonly #tray: Tray
  readonly #strings: Strings
  readonly #plain = icon(false)
  readonly #badged = icon(true)
  #unread = -1

  constructor(options: AppTrayOptions) {
    this.#strings = options.strings
    this.#tray = new Tray(this.#plain)
    this.#tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: options.strings.showWindow, click: options.onShow },
        { type: 'separator' },
        { label: options.strings.quit, click: options.onQuit },
      ]),
    )
    this.#tray.on('click', options.onShow)
    this.setUnread(0, undefined)
  }

  setUnread(total: number, window: BrowserWindow | undefined): void {
    if (total === this.#unread) return
    this.#unread = total
    this.#tray.setImage(total > 0 ? this.#badged : this.#plain)
    this.#tray.setToolTip(this.#strings.tooltip(total))
    if (process.platform === 'win32') {
      window?.setOverlayIcon(total > 0 ? this.#badged : null, this.#strings.tooltip(total))
    } else {
      // False on most Linux desktops, which have no launcher count: the tray dot carries it there.
      app.setBadgeCount(total)
    }
  }

  destroy(): void {
    this.#tray.destroy()
  }
}
