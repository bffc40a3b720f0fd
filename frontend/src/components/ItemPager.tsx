/** Previous / Next through a project's items, `page` at a time, starting at `from`. */
export function ItemPager({ from, page, total, onMove }: { from: number; page: number; total: number; onMove: (from: number) => void }) {
  return (
    <div className="row">
      <button type="button" className="secondary" disabled={from === 0} onClick={() => onMove(Math.max(0, from - page))}>
        Previous
      </button>
      <span className="hint">
        Items {total === 0 ? 0 : from + 1}–{Math.min(from + page, total)} of {total}
      </span>
      <button type="button" className="secondary" disabled={from + page >= total} onClick={() => onMove(from + page)}>
        Next
      </button>
    </div>
  );
}
