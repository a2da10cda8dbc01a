import { useVirtualizer } from '@tanstack/react-virtual'
import { useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react'

export interface Column<Row> {
  id: string
  header: string
  /** A CSS grid track, e.g. `minmax(8rem, 2fr)`: widths never depend on content, so nothing jumps. */
  width: string
  align?: 'end'
  cell: (row: Row) => ReactNode
  /** Makes the column sortable. Keep it stable (module scope), so re-renders do not re-sort. */
  compare?: (a: Row, b: Row) => number
}

export interface SortState {
  column: string
  direction: 'ascending' | 'descending'
}

interface VirtualTableProps<Row> {
  label: string
  rows: readonly Row[]
  columns: readonly Column<Row>[]
  rowKey: (row: Row) => string | number
  initialSort?: SortState
  /** Shown instead of rows when there are none. */
  empty: ReactNode
}

const ROW_HEIGHT = 36
const HEADER_HEIGHT = 36
/** Rows rendered beyond the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN = 10

/**
 * A table that renders only the rows in view, so 5,000 peers cost what 30 do. Rows have one fixed
 * height; the header stays put while the body scrolls.
 */
export function VirtualTable<Row>({ label, rows, columns, rowKey, initialSort, empty }: VirtualTableProps<Row>) {
  const [sort, setSort] = useState<SortState | undefined>(initialSort)
  const compare = columns.find(column => column.id === sort?.column)?.compare
  const direction = sort?.direction
  const sorted = useMemo(() => {
    if (!compare) return rows
    const out = [...rows].sort(compare)
    return direction === 'descending' ? out.reverse() : out
  }, [rows, compare, direction])

  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    scrollMargin: HEADER_HEIGHT,
    getItemKey: index => rowKey(sorted[index]!),
  })

  const toggleSort = (column: string) =>
    setSort(current =>
      current?.column === column
        ? { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    )

  const style = { '--columns': columns.map(column => column.width).join(' ') } as CSSProperties
  return (
    <div ref={scrollRef} className="table" role="table" aria-label={label} aria-rowcount={sorted.length + 1} tabIndex={0} style={style}>
      <div className="table-row table-head" role="row" aria-rowindex={1}>
        {columns.map(column => (
          <div
            key={column.id}
            role="columnheader"
            className={column.align === 'end' ? 'cell end' : 'cell'}
            aria-sort={sort?.column === column.id ? sort.direction : column.compare ? 'none' : undefined}
          >
            {column.compare ? (
              <button type="button" className="sort-button" onClick={() => toggleSort(column.id)}>
                {column.header}
                <span className="sort-mark" aria-hidden="true">
                  {sort?.column === column.id ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                </span>
              </button>
            ) : (
              column.header
            )}
          </div>
        ))}
      </div>
      {sorted.length === 0 ? (
        <div className="table-empty">{empty}</div>
      ) : (
        <div className="table-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map(item => {
            const row = sorted[item.index]!
            return (
              <div
                key={item.key}
                className="table-row"
                role="row"
                aria-rowindex={item.index + 2}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
              >
                {columns.map(column => (
                  <div key={column.id} role="cell" className={column.align === 'end' ? 'cell end' : 'cell'}>
                    {column.cell(row)}
                  </div>
                ))}
              </div>
            )
          })}
        </div>
      )}
    </div>
  )
}
