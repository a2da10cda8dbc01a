/** The button that opens and closes a row's child rows; a real button, so Tab and Enter/Space reach it. */
export function Expander({ open, label, onToggle }: { open: boolean; label: string; onToggle(): void }) {
  return (
    <button type="button" className="expander" aria-expanded={open} aria-label={label} onClick={onToggle}>
      <span aria-hidden="true">{open ? '▾' : '▸'}</span>
    </button>
  )
}

/** Open/closed state of a set of keys, as an immutable set so React sees each change. */
export function toggled<K>(set: ReadonlySet<K>, key: K): Set<K> {
  const next = new Set(set)
  if (!next.delete(key)) next.add(key)
  return next
}
