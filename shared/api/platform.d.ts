// The few globals that every runtime Hearth targets has (Node, Electron, browsers). The contract
// and RPC layers see only these, so they cannot drift into Node-only or DOM-only APIs.
declare class TextEncoder {
  encode(input?: string): Uint8Array
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean })
  decode(input?: Uint8Array): string
}
declare function setTimeout(callback: () => void, ms?: number): unknown
declare function clearTimeout(handle: unknown): void
declare const console: {
  error(...args: unknown[]): void
  warn(...args: unknown[]): void
}
declare function queueMicrotask(callback: () => void): void
interface AbortSignal {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}
declare class AbortController {
  readonly signal: AbortSignal
  abort(reason?: unknown): void
}
