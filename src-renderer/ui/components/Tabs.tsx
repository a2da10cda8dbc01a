import { useRef, type KeyboardEvent } from 'react'
import { formatCount } from '../format.js'

export interface TabSpec<Id extends string> {
  id: Id
  label: string
  count?: number
}

export const tabId = (id: string) => `tab-${id}`
export const PANEL_ID = 'view-panel'

/** The views, as an ARIA tab list: arrow keys, Home and End move between tabs and open them. */
export function Tabs<Id extends string>({ tabs, selected, onSelect }: { tabs: readonly TabSpec<Id>[]; selected: Id; onSelect(id: Id): void }) {
  const refs = useRef(new Map<Id, HTMLButtonElement>())
  const onKeyDown = (event: KeyboardEvent) => {
    const index = tabs.findIndex(tab => tab.id === selected)
    const target =
      event.key === 'ArrowRight' ? (index + 1) % tabs.length
      : event.key === 'ArrowLeft' ? (index - 1 + tabs.length) % tabs.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? tabs.length - 1
      : undefined
    if (target === undefined) return
    event.preventDefault()
    const id = tabs[target]!.id
    onSelect(id)
    refs.current.get(id)?.focus()
  }
  return (
    <div className="tabs" role="tablist" aria-label="Views" onKeyDown={onKeyDown}>
      {tabs.map(tab => (
        <button
          key={tab.id}
          ref={element => {
            if (element) refs.current.set(tab.id, element)
          }}
          type="button"
          role="tab"
          id={tabId(tab.id)}
          aria-selected={tab.id === selected}
          aria-controls={PANEL_ID}
          tabIndex={tab.id === selected ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
          {tab.count !== undefined && (
            <>
              {' '}
              <span className="tab-count">{formatCount(tab.count)}</span>
            </>
          )}
        </button>
      ))}
    </div>
  )
}
