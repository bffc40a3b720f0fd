/**
 * Every transaction the app sends goes through `useTransaction`: the button shows pending at once,
 * then done (gas, deposit, explorer link) or failed with the reason as a sentence. The contracts'
 * `<Module>: <rule>` panics become "The <module> refused: <rule>." A relayed call whose outcome the
 * app cannot learn is neither: it is still pending or its outcome is unknown, and the person is told
 * what to check before trying again (it may have run).
 */
import { useCallback, useState } from 'react';
import { ContractCallError, MissingDepositError, TransactionTimeoutError } from '../../../packages/contract-clients/src/index';
import { config, explorerTxUrl } from '../config';
import { formatNear } from '../format';
import { GaslessAccountError } from './dev-wallet';
import { RelayerUnreachableError, RelayOutcomeUnknownError, RelayRefusedError, RelayStillPendingError } from '@near-ts/relayer/client';

export type TxState =
  | { phase: 'idle' }
  | { phase: 'pending'; label: string }
  | { phase: 'done'; label: string; hash: string; gasBurnt: bigint; deposit: bigint; relayed: boolean; explorer: string | null }
  | { phase: 'failed'; label: string; reason: string; gasBurnt: bigint | null; deposit: bigint; hash: string | null }
  | ({ phase: 'still-pending' } & Unsettled)
  | ({ phase: 'outcome-unknown' } & Unsettled);

/** A call that was sent and may have run (relayed, or direct and timed out): `advice` says what to check before trying again. */
interface Unsettled {
  label: string;
  advice: string;
  hash: string;
  explorer: string | null;
}

/** The contracts by the names people know them. */
const CONTRACT_NAMES: Record<string, string> = {
  [config.contracts.stablecoin]: 'stablecoin',
  [config.contracts.payout]: 'payout contract',
  [config.contracts.market]: 'task marketplace',
  [config.contracts.proxy]: 'chain-signatures proxy',
  [config.contracts.signer]: 'MPC signer',
};

/**
 * `Payout: nothing to claim` from the payout contract → `The payout contract refused: nothing to claim.`;
 * shared modules name the contract that used them: `Pausable: paused` → `The stablecoin refused: paused.`
 */
export function panicSentence(panic: string, contractId?: string): string {
  const match = /^([A-Za-z]+): (.+)$/.exec(panic.trim());
  const who = (contractId && CONTRACT_NAMES[contractId]) ?? 'contract';
  if (!match) return `The ${who} failed: ${panic}.`;
  return `The ${who} refused: ${match[2]!.replace(/\.$/, '')}.`;
}

/** A failure as one sentence a person can act on. */
export function reasonOf(error: unknown): string {
  if (error instanceof ContractCallError) return error.panic ? panicSentence(error.panic, error.contractId) : `The transaction failed: ${JSON.stringify(error.failure)}.`;
  if (error instanceof RelayRefusedError) return `The relayer refused (${error.code}): ${error.message}.`;
  if (error instanceof GaslessAccountError || error instanceof MissingDepositError || error instanceof RelayerUnreachableError) return `${error.message}.`;
  const message = (error as Error)?.message ?? String(error);
  const balance = /Not enough balance for (\S+) \(balance: (\d+), cost: (\d+)\)/.exec(message);
  if (balance) return `${balance[1]} has ${formatNear(BigInt(balance[2]!))} but this transaction needs up to ${formatNear(BigInt(balance[3]!))} (deposit plus prepaid gas at the highest gas price): add NEAR to the account, or send fewer entries at once.`;
  if (/fetch|network|ECONNREFUSED|Failed to fetch|Load failed/i.test(message)) return 'Cannot reach the NEAR node: check your connection (locally: is `npm run app` running?) and try again.';
  return message.endsWith('.') ? message : `${message}.`;
}

/** A call the app cannot settle, as the state the person must act on; null for any other error. */
function unsettledState(label: string, error: unknown): TxState | null {
  if (error instanceof TransactionTimeoutError) {
    // contract-clients polls a call whose receipts wait (a yield) and gives up after its timeoutMs: the transaction is in a block and may still finish.
    const advice = `The transaction was sent but had not finished after ${Math.round(error.waitedMs / 1000)} s: it may still complete. Before trying again, look up the transaction below, or reload this page in a minute and see whether it took effect.`;
    return { phase: 'still-pending', label, advice, hash: error.transactionHash, explorer: explorerTxUrl(error.transactionHash) };
  }
  if (error instanceof RelayStillPendingError) {
    const advice = `The relayer accepted it but had no outcome after ${Math.round(error.waitedMs / 1000)} s: it may still run. Before trying again, look up the transaction below, or reload this page in a minute and see whether it took effect.`;
    return { phase: 'still-pending', label, advice, hash: error.transactionHash, explorer: explorerTxUrl(error.transactionHash) };
  }
  if (error instanceof RelayOutcomeUnknownError) {
    const advice = `The relayer cannot tell whether it ran (${error.code}): the signed call was used on chain, but the relayer's node no longer has the transaction that carried it. Check whether it took effect (your balances and this page, refreshed now, or the transaction below in an explorer) before trying again; do not sign it again blindly.`;
    return { phase: 'outcome-unknown', label, advice, hash: error.transactionHash, explorer: explorerTxUrl(error.transactionHash) };
  }
  return null;
}

interface Sent {
  transactionHash: string;
  gasBurnt: bigint;
  relayed?: boolean;
}

export function useTransaction() {
  const [state, setState] = useState<TxState>({ phase: 'idle' });
  const run = useCallback(async <T extends Sent>(label: string, send: () => Promise<T>, deposit = 0n): Promise<T | null> => {
    setState({ phase: 'pending', label });
    try {
      const result = await send();
      setState({ phase: 'done', label, hash: result.transactionHash, gasBurnt: result.gasBurnt, deposit, relayed: result.relayed === true, explorer: explorerTxUrl(result.transactionHash) });
      return result;
    } catch (error) {
      const unsettled = unsettledState(label, error);
      if (unsettled) {
        setState(unsettled);
        return null;
      }
      const outcome = error instanceof ContractCallError ? error.outcome : null;
      const gasBurnt = outcome ? [outcome.transaction_outcome, ...outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.gas_burnt), 0n) : null;
      setState({ phase: 'failed', label, reason: reasonOf(error), gasBurnt, deposit, hash: outcome?.transaction_outcome.id ?? null });
      return null;
    }
  }, []);
  return { state, run, busy: state.phase === 'pending' };
}
