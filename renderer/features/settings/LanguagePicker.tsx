import { useId } from 'react'
import { isLanguage, languages, useI18n } from '../../i18n/index.tsx'

// Each language is named in itself, so a person can find theirs whatever is shown now.
const names: Record<(typeof languages)[number], string> = { en: 'English', ko: '한국어' }

export function LanguagePicker() {
  const { t, lang, setLang } = useI18n()
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{t.language}</label>
      <select
        id={id}
        value={lang}
        onChange={(event) => {
          if (isLanguage(event.target.value)) setLang(event.target.value)
        }}
      >
        {languages.map((l) => (
          <option key={l} value={l} lang={l}>
            {names[l]}
          </option>
        ))}
      </select>
    </div>
  )
}
