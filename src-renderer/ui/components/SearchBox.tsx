import { useId } from 'react'

/** A labelled filter field; `/` anywhere on the page focuses the first one (see App). */
export function SearchBox({ label, value, onChange, placeholder }: { label: string; value: string; onChange(value: string): void; placeholder: string }) {
  const id = useId()
  return (
    <div className="search">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={value} placeholder={placeholder} onChange={event => onChange(event.target.value)} data-search />
    </div>
  )
}

/**
 * A case-insensitive substring test for `query`, or undefined when it is empty, so that callers
 * with thousands of rows skip building the fields to test.
 */
export function matcher(query: string): ((fields: readonly string[]) => boolean) | undefined {
  const needle = query.trim().toLowerCase()
  if (!needle) return undefined
  return fields => fields.some(field => field.toLowerCase().includes(needle))
}
