// The one place that knows where the UI runs. In a browser tab (`hearth serve --web`) the page's
// own server is the peer's bridge, and the per-run token arrives in the page URL. The Electron
// window will get its channel from the preload script here, behind the same `Platform` shape.
import { createClient, wsChannel, type ApiClient } from '../../shared/rpc/index.ts'

export interface Platform {
  client: ApiClient
  /** Opens an http(s) address outside the app. The caller has already asked the person. */
  openExternal(url: string): void
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

export function connect(): Promise<Platform> {
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
