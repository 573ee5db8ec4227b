// Files dragged from the desktop: drop zones take them, and nothing else lets the browser open
// a dropped file in place of the app.
import { useEffect } from 'react'

/** Whether a drag carries files (and not text or a link from the page). */
export function carriesFiles(event: { dataTransfer: DataTransfer | null }): boolean {
  return event.dataTransfer !== null && [...event.dataTransfer.types].includes('Files')
}

/**
 * A file dropped anywhere but a drop zone would make the browser open it in place of the app.
 * Drop zones (the shelf, the chat) handle their own drops; everywhere else a file drop does nothing.
 */
export function useFileDropGuard(): void {
  useEffect(() => {
    const guard = (event: DragEvent) => {
      if (carriesFiles(event)) event.preventDefault()
    }
    window.addEventListener('dragover', guard)
    window.addEventListener('drop', guard)
    return () => {
      window.removeEventListener('dragover', guard)
      window.removeEventListener('drop', guard)
    }
  }, [])
}
