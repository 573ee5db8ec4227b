// A Channel over a MessagePort: the Electron window's DOM port, the main process's and core host's
// MessagePortMain, or Node's worker_threads port (tests). Only the shapes below are assumed, so
// this file stays free of DOM, Node and Electron types.
import { Listeners, type Channel } from './channel.ts'

interface PortMessageEvent {
  readonly data: unknown
}

/** The browser's MessagePort and Node's worker_threads MessagePort (both are EventTargets). */
export interface EventTargetPort {
  postMessage(message: string): void
  start(): void
  close(): void
  addEventListener(type: 'message', listener: (event: PortMessageEvent) => void): void
  addEventListener(type: 'close', listener: () => void): void
}

/** Electron's MessagePortMain, a Node EventEmitter whose 'message' listeners get an event. */
export interface EmitterPort {
  postMessage(message: string): void
  start(): void
  close(): void
  on(type: 'message', listener: (event: PortMessageEvent) => void): unknown
  on(type: 'close', listener: () => void): unknown
}

export type MessagePortLike = EventTargetPort | EmitterPort

export function portChannel(port: MessagePortLike): Channel {
  const messages = new Listeners<[string]>()
  const closes = new Listeners<[]>()
  let closed = false

  const markClosed = () => {
    if (closed) return
    closed = true
    closes.emit()
    messages.clear()
    closes.clear()
  }
  const onData = (event: PortMessageEvent) => {
    if (closed) return
    // Structured clone would carry any object; the protocol is JSON text, so anything else is a
    // confused or hostile sender and is dropped rather than trusted.
    if (typeof event.data === 'string') messages.emit(event.data)
    else console.warn('rpc: dropped a port message that is not text')
  }

  // Node's worker port is both an EventTarget and an emitter, but its emitter 'message' listeners
  // get the bare value; the EventTarget form gives every runtime the same event shape.
  if ('addEventListener' in port) {
    port.addEventListener('message', onData)
    port.addEventListener('close', markClosed)
  } else {
    port.on('message', onData)
    port.on('close', markClosed)
  }
  // Ports queue messages until started (addEventListener, unlike onmessage, does not start them).
  port.start()

  return {
    send(text) {
      if (closed) throw new Error('the channel to the peer is closed')
      port.postMessage(text)
    },
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closes.add(listener),
    close() {
      if (closed) return
      port.close()
      markClosed()
    },
  }
}
