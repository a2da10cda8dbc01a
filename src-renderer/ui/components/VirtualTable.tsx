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
  /** Left out in a narrow window (a tray window, a phone), so the essentials fit without sideways scrolling. */
  optional?: boolean
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
  /**
   * Rows shown under a row, not sorted with the others (an expanded device's peers). They are
   * marked as one level down for screen readers.
   */
  childRows?: (row: Row) => readonly Row[] | undefined
}

const ROW_HEIGHT = 36
const HEADER_HEIGHT = 36
/** Rows rendered beyond the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN = 10

/**
 * A table that renders only the rows in view, so 5,000 peers cost what 30 do. Rows have one fixed
 * height; the header stays put while the body scrolls.
 */
export function VirtualTable<Row>({ label, rows, columns, rowKey, initialSort, empty, childRows }: VirtualTableProps<Row>) {
  const [sort, setSort] = useState<SortState | undefined>(initialSort)
  const compare = columns.find(column => column.id === sort?.column)?.compare
  const direction = sort?.direction
  const sorted = useMemo(() => {
    if (!compare) return rows
    const out = [...rows].sort(compare)
    return direction === 'descending' ? out.reverse() : out
  }, [rows, compare, direction])
  const shown = useMemo(() => (childRows ? withChildren(sorted, childRows) : sorted.map(row => ({ row, child: false }))), [sorted, childRows])

  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    scrollMargin: HEADER_HEIGHT,
    getItemKey: index => rowKey(shown[index]!.row),
  })

  const toggleSort = (column: string) =>
    setSort(current =>
      current?.column === column
        ? { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    )

  const style = {
    '--columns': columns.map(column => column.width).join(' '),
    '--columns-narrow': columns.filter(column => !column.optional).map(column => column.width).join(' '),
  } as CSSProperties
  const cellClass = (column: Column<Row>) => ['cell', column.align === 'end' && 'end', column.optional && 'optional'].filter(Boolean).join(' ')
  return (
    <div ref={scrollRef} className="table" role={childRows ? 'treegrid' : 'table'} aria-label={label} aria-rowcount={shown.length + 1} tabIndex={0} style={style}>
      <div className="table-row table-head" role="row" aria-rowindex={1}>
        {columns.map(column => (
          <div
            key={column.id}
            role="columnheader"
            className={cellClass(column)}
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
      {shown.length === 0 ? (
        <div className="table-empty">{empty}</div>
      ) : (
        <div className="table-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map(item => {
            const { row, child } = shown[item.index]!
            return (
              <div
                key={item.key}
                className={child ? 'table-row child' : 'table-row'}
                role="row"
                aria-rowindex={item.index + 2}
                aria-level={childRows ? (child ? 2 : 1) : undefined}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
              >
                {columns.map(column => (
                  <div key={column.id} role={childRows ? 'gridcell' : 'cell'} className={cellClass(column)}>
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

function withChildren<Row>(rows: readonly Row[], childRows: (row: Row) => readonly Row[] | undefined): { row: Row; child: boolean }[] {
  const out: { row: Row; child: boolean }[] = []
  for (const row of rows) {
    out.push({ row, child: false })
    for (const child of childRows(row) ?? []) out.push({ row: child, child: true })
  }
  return out
}
