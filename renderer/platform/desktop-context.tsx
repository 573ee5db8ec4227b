// The desktop app's native services for the components that use them. Absent in a browser tab:
// connect.ts decides, and every component treats a missing value as "not the desktop app".
import { createContext, useContext } from 'react'
import type { DesktopApi } from './desktop-api.ts'

export const DesktopContext = createContext<DesktopApi | undefined>(undefined)

export function useDesktop(): DesktopApi | undefined {
  return useContext(DesktopContext)
}
