// Entry point: pick the language, connect to the peer, load the session, show the app.
import { StrictMode, useCallback, useEffect, useRef, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App.tsx'
import { UnlockScreen } from './features/vault/UnlockScreen.tsx'
import { defaultLanguage, I18nProvider, isLanguage, useI18n, type Language } from './i18n/index.tsx'
import { HostBanner } from './features/status/HostBanner.tsx'
import { connect, ConnectError, type Platform } from './platform/connect.ts'
import { DesktopContext } from './platform/desktop-context.tsx'
import type { DesktopApi } from './platform/desktop-api.ts'
import { nextHostNotice, reconnectsAfter, type HostNotice } from './platform/host-status.ts'
import { localPrefs } from './state/local-prefs.ts'
import { Session, type Prefs } from './state/session.ts'
import { OpenExternalContext, SessionContext } from './state/session-context.tsx'
import './styles/app.css'
import './styles/shelf.css'

const LANGUAGE_KEY = 'hearth.lang'

type Boot =
  | { phase: 'connecting' }
  | { phase: 'failed'; error: unknown }
  | { phase: 'locked'; platform: Platform; proceed(): void }
  | { phase: 'ready'; session: Session; platform: Platform }

function Root(props: { prefs: Prefs }) {
  const { prefs } = props
  const { t } = useI18n()
  const [boot, setBoot] = useState<Boot>({ phase: 'connecting' })
  const [attempt, setAttempt] = useState(0)
  // The desktop app's services outlive any one connection to the peer (it may restart).
  const [desktop, setDesktop] = useState<DesktopApi | undefined>(undefined)
  const [notice, setNotice] = useState<HostNotice | null>(null)
  const noticeRef = useRef<HostNotice | null>(null)

  useEffect(() => {
    let cancelled = false
    let platform: Platform | undefined
    let session: Session | undefined
    const fail = (error: unknown) => {
      console.error('hearth ui: could not start', error)
      if (!cancelled) setBoot({ phase: 'failed', error })
    }
    const openSession = async (connected: Platform) => {
      session = await Session.open(connected.client)
      if (cancelled) return
      setBoot({ phase: 'ready', session, platform: connected })
    }
    connect()
      .then(async (connected) => {
        platform = connected
        if (cancelled) return
        setDesktop(connected.desktop)
        // An encrypted data folder: nothing else answers until the passphrase is in.
        const vault = await connected.client.call('vault.status', {})
        if (vault.state !== 'locked') return openSession(connected)
        let proceeding = false
        const proceed = () => {
          if (proceeding) return
          proceeding = true
          openSession(connected).catch(fail)
        }
        if (!cancelled) setBoot({ phase: 'locked', platform: connected, proceed })
      })
      .catch(fail)
    return () => {
      cancelled = true
      session?.dispose()
      platform?.client.close()
    }
  }, [prefs, attempt])

  const retry = useCallback(() => {
    setBoot({ phase: 'connecting' })
    setAttempt((n) => n + 1)
  }, [])

  // The peer's process crashed: say so, and connect again once it runs again.
  useEffect(() => {
    if (desktop === undefined) return
    return desktop.onHostStatus((status) => {
      const shown = noticeRef.current
      const next = nextHostNotice(shown, status)
      noticeRef.current = next
      setNotice(next)
      if (reconnectsAfter(shown, next)) retry()
    })
  }, [desktop, retry])
  const dismissNotice = useCallback(() => {
    noticeRef.current = null
    setNotice(null)
  }, [])
  const banner = notice && <HostBanner notice={notice} onRetry={retry} onDismiss={dismissNotice} />

  if (boot.phase === 'connecting') {
    return (
      <>
        {banner}
        <p className="splash" role="status">
          {t.connecting}
        </p>
      </>
    )
  }
  if (boot.phase === 'locked') {
    return (
      <>
        {banner}
        <UnlockScreen client={boot.platform.client} onUnlocked={boot.proceed} />
      </>
    )
  }
  if (boot.phase === 'failed') {
    const noToken = boot.error instanceof ConnectError && boot.error.reason === 'no-token'
    return (
      <div className="splash" role="alert">
        {banner}
        <p>{noToken ? t.noToken : t.refused}</p>
        {!noToken && (
          <button type="button" className="primary" onClick={retry}>
            {t.tryAgain}
          </button>
        )}
      </div>
    )
  }
  return (
    <SessionContext.Provider value={boot.session}>
      <OpenExternalContext.Provider value={boot.platform.openExternal}>
        <DesktopContext.Provider value={boot.platform.desktop}>
          <App prefs={prefs} onReconnect={retry} banner={banner} />
        </DesktopContext.Provider>
      </OpenExternalContext.Provider>
    </SessionContext.Provider>
  )
}

const prefs = localPrefs()
const stored = prefs.get(LANGUAGE_KEY)
const initial: Language = isLanguage(stored) ? stored : defaultLanguage(navigator.languages)
const saveLanguage = (lang: Language) => prefs.set(LANGUAGE_KEY, lang)
const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <I18nProvider initial={initial} onChange={saveLanguage}>
      <Root prefs={prefs} />
    </I18nProvider>
  </StrictMode>,
)
