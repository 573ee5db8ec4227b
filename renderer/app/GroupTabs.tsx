// The two faces of a group, its chat and its shelf, as tabs under the group's name.
import { useI18n } from '../i18n/index.tsx'

export type GroupTab = 'chat' | 'shelf'

export function GroupTabs(props: { tab: GroupTab; onChange(tab: GroupTab): void }) {
  const { t } = useI18n()
  const tabs: [GroupTab, string][] = [
    ['chat', t.tabChat],
    ['shelf', t.tabShelf],
  ]
  return (
    <div className="group-tabs" role="tablist" aria-label={t.groupViews}>
      {tabs.map(([tab, label]) => (
        <button
          key={tab}
          type="button"
          role="tab"
          className="group-tab"
          aria-selected={props.tab === tab}
          onClick={() => props.onChange(tab)}
        >
          {label}
        </button>
      ))}
    </div>
  )
}
