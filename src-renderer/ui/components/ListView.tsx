import type { ReactNode } from 'react'

/** A list page: its filters and a summary of what they show, above the table, alike on every view. */
export function ListView({ label, filters, summary, children }: { label: string; filters: ReactNode; summary: ReactNode; children: ReactNode }) {
  return (
    <section className="list-view" aria-label={label}>
      <div className="toolbar">
        {filters}
        <span className="summary">{summary}</span>
      </div>
      {children}
    </section>
  )
}
