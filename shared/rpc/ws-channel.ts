import { Listeners, type Channel } from './channel.ts'

/**
 * The part of a WebSocket both the browser's and the `ws` package's implementations share.
 * Text frames arrive as strings in both.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: () => void): void
}

const OPEN = 1

export function wsChannel(socket: WebSocketLike): Channel {
  const messages = new Listeners<[string]>()
  const closes = new Listeners<[]>()
  socket.addEventListener('message', (event) => {
    // Binary frames are not part of the protocol; ignoring them keeps a confused client harmless.
    if (typeof event.data === 'string') messages.emit(event.data)
  })
  socket.addEventListener('close', () => closes.emit())
  return {
    send(text) {
      if (socket.readyState !== OPEN) throw new Error('the connection to the peer is closed')
      socket.send(text)
    },
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closes.add(listener),
    close: () => socket.close(1000, 'bye'),
  }
}
