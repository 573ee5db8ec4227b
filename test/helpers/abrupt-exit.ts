// Last-resort cleanup for a test process that ends without running its `after` hooks: a plain
// exit after an uncaught error, or an interrupt (Ctrl-C, a runner's SIGTERM). Only synchronous
// work runs here; the next run's cleanupStale() catches whatever even this misses (kill -9).
const hooks = new Set<() => void>()
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
let installed = false

function runHooks(): void {
  for (const hook of [...hooks]) {
    try {
      hook()
    } catch (err) {
      console.error('cleanup at exit failed:', err)
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks()
  for (const s of SIGNALS) process.off(s, onSignal)
  // With our listener gone the signal does what it would have done had we never listened.
  process.kill(process.pid, signal)
}

/** Runs `hook` if the process ends abruptly; returns a function that unregisters it. */
export function onAbruptExit(hook: () => void): () => void {
  if (!installed) {
    installed = true
    process.on('exit', runHooks)
    for (const s of SIGNALS) process.on(s, onSignal)
  }
  hooks.add(hook)
  return () => hooks.delete(hook)
}
