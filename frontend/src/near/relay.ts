/**
 * Gasless calls (NEP-366): the app signs a DelegateAction with its function-call key for the contract
 * and posts it to the relayer (packages/relayer), which wraps it in a transaction and pays the gas.
 */
import { Account, actions, encodeSignedDelegate } from 'near-api-js';
import { RelayRefusedError, relayDelegate, waitForRelayed } from '@near-ts/relayer/client';
import { ContractCallError, panicMessage } from '../../../packages/contract-clients/src/index';
import { absoluteUrl, config } from '../config';
import { functionCallKey } from './keys';
import { provider } from './session';

export interface RelayedResult<R> {
  value: R;
  transactionHash: string;
  gasBurnt: bigint;
  relayed: true;
}

/** Whether `accountId` can call `method` on `contractId` through the relayer from this browser. */
export function canRelay(accountId: string, contractId: string, method: string): boolean {
  const methods = contractId === config.contracts.payout ? config.gaslessMethods.payout : contractId === config.contracts.market ? config.gaslessMethods.market : [];
  return config.relayerUrl !== null && methods.includes(method) && functionCallKey(accountId, contractId) !== undefined;
}

export async function relayCall<R>(accountId: string, contractId: string, methodName: string, args: Record<string, unknown>, gas: bigint): Promise<RelayedResult<R>> {
  const key = functionCallKey(accountId, contractId);
  if (!key || !config.relayerUrl) throw new RelayRefusedError('NO_KEY', `this browser has no function-call key of ${accountId} for ${contractId}`);
  const { signedDelegate } = await new Account(accountId, provider, key).createSignedMetaTransaction({
    receiverId: contractId,
    actions: [actions.functionCall(methodName, args, gas, 0n)],
    blockHeightTtl: 200,
  });
  // Accepted with the transaction hash once signed; asked again while the relayer answers pending (4 asks, 2 minutes).
  const call = await waitForRelayed(await relayDelegate(absoluteUrl(config.relayerUrl), encodeSignedDelegate(signedDelegate)));
  if (!call.succeeded) {
    throw Object.assign(new ContractCallError(contractId, methodName, panicMessage(call.status.Failure), call.status.Failure, call.outcome), { gasBurnt: call.gasBurnt });
  }
  return { value: call.value as R, transactionHash: call.transactionHash, gasBurnt: call.gasBurnt, relayed: true };
}
