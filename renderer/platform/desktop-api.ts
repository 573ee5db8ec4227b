// What the Electron preload script hands the window as `window.hearth`: the shape both sides are
// checked against (the preload with `satisfies`, the renderer through connect.ts). No Electron,
// DOM or Node types here, so the window, the preload and the main process can all import it.

/** The window message that carries a fresh port to the peer (`event.ports[0]`). */
export const PORT_MESSAGE = 'hearth:port'

export interface PortMessage {
  type: typeof PORT_MESSAGE
  /** The number `requestPort()` returned, so concurrent requests get their own port. */
  requestId: number
}

/** How the process that runs the peer is doing, as the main process sees it. */
export interface HostStatus {
  /**
   * starting → running; when the peer dies: crashed (a restart is scheduled) → starting again, or
   * failed after too many crashes in a row (a new requestPort() tries again). Channels opened
   * before `crashed`, `failed` or `stopping` are dead.
   */
  state: 'starting' | 'running' | 'crashed' | 'failed' | 'stopping'
  /** Times the peer was restarted after a crash since the app started. */
  restarts: number
  /** While crashed: how long until the next attempt. */
  retryInMs?: number
  /** Why the last run ended, in words for a log or a details line. */
  lastError?: string
}

/** Where a click on a notification should take the person. */
export interface MessageTarget {
  groupId: string
  messageId: string
}

export interface DesktopApi {
  /**
   * Asks for a new channel to the peer. The port arrives as a window message
   * `{ type: PORT_MESSAGE, requestId }` posted by the preload, with the port in `event.ports[0]`.
   */
  requestPort(): number
  /** Native open dialog; the chosen file paths, or none when cancelled. */
  openFiles(options?: { title?: string; multiple?: boolean }): Promise<string[]>
  /** Native save dialog; the chosen path, or null when cancelled. */
  saveFile(options?: { title?: string; defaultName?: string }): Promise<string | null>
  /** Shows a file in the system's file manager (only files a dialog gave us or data folder files). */
  revealInFolder(path: string): Promise<void>
  /** Asks the person natively, then opens an http(s) address in their browser; true if opened. */
  openExternal(url: string): Promise<boolean>
  /** Which group is on screen, so notifications and the unread badge leave it alone. */
  setViewedGroup(groupId: string | null): void
  onHostStatus(listener: (status: HostStatus) => void): () => void
  /** A notification was clicked: show this message. */
  onOpenMessage(listener: (target: MessageTarget) => void): () => void
}
