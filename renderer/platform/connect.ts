// The one place that knows where the UI runs. In a browser tab (`hearth serve --web`) the page's
// own server is the peer's bridge, and the per-run token arrives in the page URL. In the Electron
// window the preload exposes `window.hearth`, which hands over a MessagePort to the peer's process;
// both end up behind the same `Platform` shape.
import { createClient, wsChannel, type ApiClient } from '../../shared/rpc/index.ts'
import { portChannel } from '../../shared/rpc/port-channel.ts'
import { PORT_MESSAGE, type DesktopApi } from './desktop-api.ts'

export interface Platform {
  client: ApiClient
  /** Opens an http(s) address outside the app. The caller has already asked the person. */
  openExternal(url: string): void
  /** Native services (file dialogs, reveal in folder, notification clicks): desktop app only. */
  desktop?: DesktopApi
}

// Long enough for a join that waits for a member to answer; a reply dropped on the way still
// ends in an error the person sees instead of a spinner forever.
const CALL_TIMEOUT_MS = 120_000

export class ConnectError extends Error {
  readonly reason: 'no-token' | 'refused'
  constructor(reason: 'no-token' | 'refused', message: string) {
    super(message)
    this.name = 'ConnectError'
    this.reason = reason
  }
}

function browserOpenExternal(url: string): void {
  // noopener: the opened page gets no handle on this window, which holds the API token.
  window.open(url, '_blank', 'noopener,noreferrer')
}

function isPortFor(data: unknown, requestId: number): boolean {
  if (typeof data !== 'object' || data === null) return false
  const message = data as Record<string, unknown>
  return message.type === PORT_MESSAGE && message.requestId === requestId
}

function connectDesktop(desktop: DesktopApi): Promise<Platform> {
  return new Promise((resolve) => {
    let requestId = -1
    const onMessage = (event: MessageEvent) => {
      // Only our preload posts to this window itself; a port from a frame or another window is
      // not ours to use.
      const port = event.ports[0]
      if (event.source !== window || !isPortFor(event.data, requestId) || port === undefined) return
      window.removeEventListener('message', onMessage)
      const channel = portChannel(port)
      // The peer's process died or the app is quitting: the channel is dead even if the port has
      // not noticed, and the UI should say so rather than wait.
      const off = desktop.onHostStatus((status) => {
        if (
          status.state === 'crashed' ||
          status.state === 'failed' ||
          status.state === 'stopping'
        ) {
          channel.close()
        }
      })
      channel.onClose(off)
      resolve({
        client: createClient(channel, { timeoutMs: CALL_TIMEOUT_MS }),
        // The main process asks the person again, natively: the renderer is not trusted to.
        openExternal: (url) => {
          desktop.openExternal(url).catch((err: unknown) => {
            console.error('hearth ui: the link could not be opened', err)
          })
        },
        desktop,
      })
    }
    window.addEventListener('message', onMessage)
    requestId = desktop.requestPort()
  })
}

export function connect(): Promise<Platform> {
  const desktop = (window as Window & { hearth?: DesktopApi }).hearth
  if (desktop !== undefined) return connectDesktop(desktop)
  const token = new URLSearchParams(window.location.search).get('token')
  if (!token) {
    return Promise.reject(
      new ConnectError('no-token', 'this page address has no token; open the one Hearth printed'),
    )
  }
  // The token rides in the subprotocol header, never in a URL that could end up in logs.
  const socket = new WebSocket(`ws://${window.location.host}/`, [`hearth.${token}`])
  return new Promise((resolve, reject) => {
    const onOpen = () => {
      socket.removeEventListener('error', onError)
      resolve({
        client: createClient(wsChannel(socket), { timeoutMs: CALL_TIMEOUT_MS }),
        openExternal: browserOpenExternal,
      })
    }
    const onError = () => {
      socket.removeEventListener('open', onOpen)
      reject(new ConnectError('refused', 'the Hearth peer refused or closed the connection'))
    }
    socket.addEventListener('open', onOpen, { once: true })
    socket.addEventListener('error', onError, { once: true })
  })
}
