// The language in use, its dictionary and its formatters, for every component through one hook.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import type { ReactNode } from 'react'
import { HearthError } from '../../shared/api/index.ts'
import { en, type Messages } from './en.ts'
import { makeFmt, type Fmt } from './format.ts'
import { ko } from './ko.ts'

export const languages = ['en', 'ko'] as const
export type Language = (typeof languages)[number]

const dictionaries: Record<Language, (f: Fmt) => Messages> = { en, ko }
const locales: Record<Language, string> = { en: 'en', ko: 'ko-KR' }

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value)
}

/** The person's own language when we have it, else English. */
export function defaultLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0]
    if (isLanguage(base)) return base
  }
  return 'en'
}

export interface I18n {
  lang: Language
  t: Messages
  fmt: Fmt
  setLang(lang: Language): void
}

const I18nContext = createContext<I18n | null>(null)

export function I18nProvider(props: {
  initial: Language
  onChange(lang: Language): void
  children: ReactNode
}) {
  const { initial, onChange } = props
  const [lang, setLangState] = useState<Language>(initial)
  const setLang = useCallback(
    (next: Language) => {
      setLangState(next)
      onChange(next)
    },
    [onChange],
  )
  const value = useMemo<I18n>(() => {
    const fmt = makeFmt(locales[lang])
    return { lang, t: dictionaries[lang](fmt), fmt, setLang }
  }, [lang, setLang])
  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (value === null) throw new Error('useI18n needs an I18nProvider above it')
  return value
}

/** A sentence for a failed command, in the person's language. */
export function describeError(t: Messages, err: unknown): string {
  if (err instanceof HearthError) {
    const sentence = t.errors[err.code]
    // Validation messages name the field that is wrong; they are worth showing even untranslated.
    return err.code === 'BAD_INPUT' ? `${sentence} (${err.message})` : sentence
  }
  return `${t.errors.INTERNAL} (${err instanceof Error ? err.message : String(err)})`
}
