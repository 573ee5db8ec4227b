// Renders a renderer component to HTML (react-dom/server) inside the providers it needs, for
// component tests: the language, and the session it reads from.
import './tsx-hooks.ts'
import { createElement, type ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import type { Session } from '../../renderer/state/session.ts'

// Components are .tsx: they load through the hook above, so only after it is registered.
const { I18nProvider } = await import('../../renderer/i18n/index.tsx')
const { SessionContext } = await import('../../renderer/state/session-context.tsx')

export function render(session: Session, node: ReactNode, lang: 'en' | 'ko' = 'en'): string {
  return renderToString(
    createElement(I18nProvider, {
      initial: lang,
      onChange: () => {},
      children: createElement(SessionContext.Provider, { value: session }, node),
    }),
  )
}
