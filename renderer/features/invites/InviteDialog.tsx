// Two ways in: a short code to read aloud to someone nearby (single use, ten minutes, counting
// down), and a long invite to send over another channel.
import { useCallback, useEffect, useState } from 'react'
import type { CommandOutput } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { CopyField } from '../../ui/CopyField.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { useNow } from '../../ui/use-now.ts'

const INVITE_USES = 100
const INVITE_MS = 7 * 24 * 3600_000

type Invite = { invite: string; uses: number; expiresAt: number }

export function InviteDialog(props: { groupId: string; onClose(): void }) {
  const { t, fmt } = useI18n()
  const session = useSession()
  const { groups } = useSnapshot()
  const name = groups.find((g) => g.group.groupId === props.groupId)?.group.name ?? ''
  const [code, setCode] = useState<CommandOutput<'groups.code'> | null>(null)
  const [invite, setInvite] = useState<Invite | null>(null)
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

  const remaining = code === null ? 0 : code.expiresAt - now
  return (
    <Dialog title={t.inviteTitle(name)} onClose={props.onClose} className="invite-dialog">
      <section className="dialog-body" aria-labelledby="invite-code-title">
        <h3 id="invite-code-title">{t.shortCode}</h3>
        <p className="hint">{t.shortCodeHint}</p>
        {code !== null && remaining > 0 ? (
          <>
            <p className="short-code" data-testid="short-code">
              {code.code}
            </p>
            <p className="hint" aria-live="off">
              {t.expiresIn(fmt.countdown(remaining))}
            </p>
          </>
        ) : code !== null ? (
          <p className="hint">{t.codeExpired}</p>
        ) : newCode.busy ? (
          <p className="hint">{t.loading}</p>
        ) : null}
        <ErrorText error={newCode.error} />
        {code !== null && remaining <= 0 && (
          <button type="button" onClick={() => void newCode.run()} disabled={newCode.busy}>
            {t.newCode}
          </button>
        )}
      </section>
      <section className="dialog-body">
        {invite !== null ? (
          <CopyField
            label={t.longInvite}
            value={invite.invite}
            hint={t.longInviteHint(invite.uses, fmt.dateTime(invite.expiresAt))}
          />
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
