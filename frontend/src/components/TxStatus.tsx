import type { TxState } from '../near/tx';
import { formatDeposit, formatTgas } from '../format';

/** Pending → done or failed, announced to screen readers (role=status / role=alert). */
export function TxStatus({ state }: { state: TxState }) {
  if (state.phase === 'idle') return null;
  if (state.phase === 'pending') {
    return (
      <p className="tx tx-pending" role="status" data-testid="tx-status" data-phase="pending">
        <span className="spinner" aria-hidden="true" /> {state.label}: pending…
      </p>
    );
  }
  if (state.phase === 'done') {
    return (
      <p className="tx tx-done" role="status" data-testid="tx-status" data-phase="done">
        ✓ {state.label}: done · {formatTgas(state.gasBurnt)} · {formatDeposit(state.deposit)}
        {state.relayed ? ' · gas paid by the relayer' : ''}
        {state.explorer ? (
          <>
            {' · '}
            <a href={state.explorer} target="_blank" rel="noreferrer">
              view transaction
            </a>
          </>
        ) : (
          <span className="hash"> · tx {state.hash.slice(0, 10)}…</span>
        )}
      </p>
    );
  }
  return (
    <p className="tx tx-failed" role="alert" data-testid="tx-status" data-phase="failed">
      ✗ {state.label} failed. {state.reason}
      {state.gasBurnt !== null ? ` (${formatTgas(state.gasBurnt)} used, ${formatDeposit(state.deposit)})` : ''}
    </p>
  );
}
