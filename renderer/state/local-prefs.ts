// Prefs kept in the page's localStorage. Storage can be unavailable (private windows, quota), in
// which case settings last for this page only and the reason is logged once.
import type { Prefs } from './session.ts'

export function localPrefs(): Prefs {
  const memory = new Map<string, string>()
  let warned = false
  const warn = (err: unknown) => {
    if (warned) return
    warned = true
    console.warn('hearth ui: settings will not be kept after this page closes', err)
  }
  return {
    get(key) {
      try {
        return window.localStorage.getItem(key) ?? memory.get(key) ?? null
      } catch (err) {
        warn(err)
        return memory.get(key) ?? null
      }
    },
    set(key, value) {
      memory.set(key, value)
      try {
        window.localStorage.setItem(key, value)
      } catch (err) {
        warn(err)
      }
    },
  }
}
