import type { TxState } from '../near/tx';
import { formatDeposit, formatTgas } from '../format';

/** The explorer link when the network has one, else the hash (in full when the person must look it up). */
function TransactionLink({ hash, explorer, full = false }: { hash: string; explorer: string | null; full?: boolean }) {
  if (!explorer) return <span className="hash"> · {full ? `transaction ${hash}` : `tx ${hash.slice(0, 10)}…`}</span>;
  return (
    <>
      {' · '}
      <a href={explorer} target="_blank" rel="noreferrer">
        view transaction
      </a>
    </>
  );
}

/** Pending → done, failed, or unsettled (a relayed call that may have run), announced to screen readers (role=status / role=alert). */
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
        <TransactionLink hash={state.hash} explorer={state.explorer} />
      </p>
    );
  }
  if (state.phase === 'still-pending' || state.phase === 'outcome-unknown') {
    return (
      <p className="tx tx-unsettled" role="alert" data-testid="tx-status" data-phase={state.phase}>
        ⚠ {state.label}: {state.phase === 'still-pending' ? 'still pending' : 'outcome unknown'}. {state.advice}
        <TransactionLink hash={state.hash} explorer={state.explorer} full />
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
