// A Channel carries JSON text frames between a client and the peer. The RPC layer does not care
// whether that is a MessagePort (Electron), a WebSocket (browser, CLI) or memory (tests).
export interface Channel {
  send(text: string): void
  onMessage(listener: (text: string) => void): () => void
  onClose(listener: () => void): () => void
  close(): void
}

/** Fan-out of listeners with unsubscribe, shared by the channel implementations. */
export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>()
  add(listener: (...args: T) => void): () => void {
    this.set.add(listener)
    return () => this.set.delete(listener)
  }
  emit(...args: T): void {
    for (const listener of [...this.set]) listener(...args)
  }
  clear(): void {
    this.set.clear()
  }
}

/**
 * Two connected in-memory channels. Frames are delivered asynchronously (a microtask later), as
 * over a real transport, so tests see the same interleavings a socket would produce.
 */
export function memoryChannelPair(): [Channel, Channel] {
  const make = () => ({
    messages: new Listeners<[string]>(),
    closes: new Listeners<[]>(),
    closed: false,
  })
  const a = make()
  const b = make()
  const side = (self: typeof a, other: typeof a): Channel => ({
    send(text) {
      if (self.closed) throw new Error('channel is closed')
      queueMicrotask(() => {
        if (!other.closed) other.messages.emit(text)
      })
    },
    onMessage: (listener) => self.messages.add(listener),
    onClose: (listener) => self.closes.add(listener),
    close() {
      for (const end of [self, other]) {
        if (end.closed) continue
        end.closed = true
        queueMicrotask(() => {
          end.closes.emit()
          end.messages.clear()
          end.closes.clear()
        })
      }
    },
  })
  return [side(a, b), side(b, a)]
}
