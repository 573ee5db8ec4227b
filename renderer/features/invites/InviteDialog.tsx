// Two ways in: a short code to read aloud to someone nearby (single use, ten minutes, counting
// down), and a long invite to send over another channel or to scan as a QR code.
import { useCallback, useEffect, useState } from 'react'
import type { CommandOutput } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { useNow } from '../../ui/use-now.ts'
import { LongInvite, type IssuedInvite } from './LongInvite.tsx'
import { ShortCode } from './ShortCode.tsx'

const INVITE_USES = 100
const INVITE_MS = 7 * 24 * 3600_000

export function InviteDialog(props: { groupId: string; onClose(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const { groups } = useSnapshot()
  const name = groups.find((g) => g.group.groupId === props.groupId)?.group.name ?? ''
  const [code, setCode] = useState<CommandOutput<'groups.code'> | null>(null)
  const [invite, setInvite] = useState<IssuedInvite | null>(null)
  const now = useNow(1000)
  const { groupId } = props

  const newCode = useAction(
    useCallback(async () => {
      setCode(await session.client.call('groups.code', { group: groupId }))
    }, [session, groupId]),
  )
  const newInvite = useAction(
    useCallback(async () => {
      const issuedAt = Date.now()
      const { invite } = await session.client.call('groups.invite', {
        group: groupId,
        uses: INVITE_USES,
        expiresInMs: INVITE_MS,
      })
      setInvite({ invite, uses: INVITE_USES, expiresAt: issuedAt + INVITE_MS })
    }, [session, groupId]),
  )
  const runCode = newCode.run
  const runInvite = newInvite.run
  useEffect(() => {
    void runCode()
    void runInvite()
  }, [runCode, runInvite])

  const expired = code !== null && code.expiresAt <= now
  return (
    <Dialog title={t.inviteTitle(name)} onClose={props.onClose} className="invite-dialog">
      <section className="dialog-body invite-section" aria-labelledby="invite-code-title">
        <h3 id="invite-code-title">{t.shortCode}</h3>
        <p className="hint">{t.shortCodeHint}</p>
        {code !== null ? (
          <ShortCode code={code} now={now} />
        ) : newCode.busy ? (
          <p className="hint">{t.loading}</p>
        ) : null}
        <ErrorText error={newCode.error} />
        {expired && (
          <button type="button" onClick={() => void newCode.run()} disabled={newCode.busy}>
            {t.newCode}
          </button>
        )}
      </section>
      <section className="dialog-body invite-section">
        {invite !== null ? (
          <LongInvite invite={invite} />
        ) : newInvite.busy ? (
          <p className="hint">{t.loading}</p>
        ) : null}
        <ErrorText error={newInvite.error} />
      </section>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  )
}
