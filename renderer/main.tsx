// Entry point: pick the language, connect to the peer, load the session, show the app.
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App.tsx'
import { defaultLanguage, I18nProvider, isLanguage, useI18n, type Language } from './i18n/index.tsx'
import { connect, ConnectError, type Platform } from './platform/connect.ts'
import { localPrefs } from './state/local-prefs.ts'
import { Session, type Prefs } from './state/session.ts'
import { OpenExternalContext, SessionContext } from './state/session-context.tsx'
import './styles/app.css'

const LANGUAGE_KEY = 'hearth.lang'

type Boot =
  | { phase: 'connecting' }
  | { phase: 'failed'; error: unknown }
  | { phase: 'ready'; session: Session; platform: Platform }

function Root(props: { prefs: Prefs }) {
  const { prefs } = props
  const { t } = useI18n()
  const [boot, setBoot] = useState<Boot>({ phase: 'connecting' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let cancelled = false
    let opened: { session: Session; platform: Platform } | undefined
    connect()
      .then(async (platform) => {
        const session = await Session.open(platform.client, { prefs })
        opened = { session, platform }
        if (cancelled) {
          session.dispose()
          platform.client.close()
          return
        }
        setBoot({ phase: 'ready', session, platform })
      })
      .catch((error: unknown) => {
        console.error('hearth ui: could not start', error)
        if (!cancelled) setBoot({ phase: 'failed', error })
      })
    return () => {
      cancelled = true
      opened?.session.dispose()
      opened?.platform.client.close()
    }
  }, [prefs, attempt])

  const retry = useCallback(() => {
    setBoot({ phase: 'connecting' })
    setAttempt((n) => n + 1)
  }, [])

  if (boot.phase === 'connecting') {
    return (
      <p className="splash" role="status">
        {t.connecting}
      </p>
    )
  }
  if (boot.phase === 'failed') {
    const noToken = boot.error instanceof ConnectError && boot.error.reason === 'no-token'
    return (
      <div className="splash" role="alert">
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
        <App prefs={prefs} onReconnect={retry} />
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
