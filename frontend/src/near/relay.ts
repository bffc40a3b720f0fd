/**
 * Gasless calls (NEP-366): the app signs a DelegateAction with its function-call key for the contract
 * and posts it to the relayer (packages/relayer), which wraps it in a transaction and pays the gas.
 */
import { Account, actions, encodeSignedDelegate } from 'near-api-js';
import { ContractCallError, panicMessage, type TransactionOutcome } from '../../../packages/contract-clients/src/index';
import { absoluteUrl, config } from '../config';
import { functionCallKey } from './keys';
import { provider } from './session';

export interface RelayedResult<R> {
  value: R;
  transactionHash: string;
  gasBurnt: bigint;
  relayed: true;
}

export class RelayRefusedError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RelayRefusedError';
  }
}

/** Whether `accountId` can call `method` on `contractId` through the relayer from this browser. */
export function canRelay(accountId: string, contractId: string, method: string): boolean {
  const methods = contractId === config.contracts.payout ? config.gaslessMethods.payout : contractId === config.contracts.market ? config.gaslessMethods.market : [];
  return config.relayerUrl !== null && methods.includes(method) && functionCallKey(accountId, contractId) !== undefined;
}

const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

export async function relayCall<R>(accountId: string, contractId: string, methodName: string, args: Record<string, unknown>, gas: bigint): Promise<RelayedResult<R>> {
  const key = functionCallKey(accountId, contractId);
  if (!key || !config.relayerUrl) throw new RelayRefusedError('NO_KEY', `this browser has no function-call key of ${accountId} for ${contractId}`);
  const { signedDelegate } = await new Account(accountId, provider, key).createSignedMetaTransaction({
    receiverId: contractId,
    actions: [actions.functionCall(methodName, args, gas, 0n)],
    blockHeightTtl: 200,
  });
  const relayerUrl = absoluteUrl(config.relayerUrl);
  const response = await fetch(`${relayerUrl}/relay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signed_delegate_action: toBase64(encodeSignedDelegate(signedDelegate)) }),
  });
  const accepted = (await response.json().catch(() => ({}))) as { status_url?: string; error?: { code: string; message: string } };
  if (response.status !== 202 || !accepted.status_url) {
    throw new RelayRefusedError(accepted.error?.code ?? `HTTP_${response.status}`, accepted.error?.message ?? `the relayer answered HTTP ${response.status}`);
  }
  // The relayer answers with the transaction hash once signed; its status endpoint waits for the outcome.
  const final = await fetch(`${relayerUrl}${accepted.status_url}?wait=final`);
  const body = (await final.json().catch(() => ({}))) as {
    state?: string;
    succeeded?: boolean;
    status?: { SuccessValue?: string; Failure?: unknown };
    transaction_hash?: string;
    outcome?: TransactionOutcome;
    error?: { code: string; message: string };
  };
  if (body.state !== 'final' || !body.outcome || !body.status) {
    throw new RelayRefusedError(body.error?.code ?? `HTTP_${final.status}`, body.error?.message ?? `the relayed transaction did not complete (${body.state ?? `HTTP ${final.status}`})`);
  }
  const gasBurnt = [body.outcome.transaction_outcome, ...body.outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.gas_burnt), 0n);
  if (!body.succeeded) {
    throw Object.assign(new ContractCallError(contractId, methodName, panicMessage(body.status.Failure), body.status.Failure, body.outcome), { gasBurnt });
  }
  const text = new TextDecoder().decode(Uint8Array.from(atob(body.status.SuccessValue ?? ''), (c) => c.charCodeAt(0)));
  return { value: (text ? JSON.parse(text) : undefined) as R, transactionHash: body.transaction_hash ?? '', gasBurnt, relayed: true };
}
