// Runs a command on behalf of a button or form: tracks that it is busy and what went wrong, so
// every failure reaches the person as a sentence instead of an unhandled rejection.
import { useCallback, useEffect, useRef, useState } from 'react'

export interface Action<A extends unknown[]> {
  run(...args: A): Promise<boolean>
  busy: boolean
  error: unknown
  clearError(): void
}

export function useAction<A extends unknown[]>(work: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const run = useCallback(
    async (...args: A) => {
      setBusy(true)
      setError(undefined)
      try {
        await work(...args)
        return true
      } catch (err) {
        console.warn('hearth ui: an action failed', err)
        if (mounted.current) setError(err)
        return false
      } finally {
        if (mounted.current) setBusy(false)
      }
    },
    [work],
  )
  const clearError = useCallback(() => setError(undefined), [])
  return { run, busy, error, clearError }
}
