import { describeError, useI18n } from '../i18n/index.tsx'

/** A failed action, said in the person's language and announced to screen readers. */
export function ErrorText(props: { error: unknown }) {
  const { t } = useI18n()
  if (props.error === undefined) return null
  return (
    <p className="error" role="alert">
      {describeError(t, props.error)}
    </p>
  )
}
