/**
 * Method dispatch (nearcore `chain/jsonrpc/src/lib.rs` `process_request_internal`): parse the params the way
 * nearcore does, call the node, and return the JSON `result`. Every method returns a defined result
 * (near-api-js treats `result: undefined` as a failed request).
 */
import { hashToString } from '../primitives/hash.js';
import { parseSignedTransaction } from '../primitives/transaction.js';
import { Later, type NodeClient } from './client.js';
import { DEV_HANDLERS } from './dev-methods.js';
import { methodNotFound, parseError, RpcError } from './errors.js';
import {
  expectNoParams,
  parseBlockParams,
  parseChangesInBlockParams,
  parseChangesParams,
  parseChunkParams,
  parseFastForwardParams,
  parseGasPriceParams,
  parsePatchStateParams,
  parseProtocolConfigParams,
  parseQueryParams,
  parseReceiptParams,
  parseSendTxParams,
  parseTxStatusParams,
  parseValidatorsParams,
} from './params.js';

type Handler = (client: NodeClient, params: unknown) => unknown;

/** nearcore's `decode_signed_transaction` error text, for requests whose bytes are not a SignedTransaction. */
function transactionHashOf(bytes: Uint8Array): string {
  try {
    return hashToString(parseSignedTransaction(bytes).hash);
  } catch (e) {
    throw parseError(`Failed to decode transaction: ${(e as Error).message}`);
  }
}

export const HANDLERS: Readonly<Record<string, Handler>> = {
  block: (client, params) => client.block(parseBlockParams(params)),

  broadcast_tx_async: async (client, params) => {
    const { signedTransaction } = parseSendTxParams(params);
    const hash = transactionHashOf(signedTransaction);
    // nearcore answers with the hash whatever happens next; the node still executes the transaction.
    try {
      await client.sendTransaction(signedTransaction, 'NONE');
    } catch (e) {
      // Bytes the protocol's own decoder refuses (an action the version lacks: neard 2.6.2 at 77 has no tag 12)
      // never reach a mempool: nearcore's RPC decodes them first and answers PARSE_ERROR, as for send_tx.
      if (e instanceof RpcError && e.object.cause?.name === 'PARSE_ERROR') throw e;
      // An invalid transaction is dropped, as nearcore's mempool would.
    }
    return hash;
  },

  broadcast_tx_commit: (client, params) => {
    const { signedTransaction } = parseSendTxParams(params);
    transactionHashOf(signedTransaction);
    return client.sendTransaction(signedTransaction, 'EXECUTED_OPTIMISTIC');
  },

  chunk: (client, params) => client.chunk(parseChunkParams(params)),

  gas_price: (client, params) => client.gasPrice(parseGasPriceParams(params)),

  health: (_client, params) => {
    expectNoParams('health', params);
    return null;
  },

  network_info: (client, params) => {
    expectNoParams('network_info', params);
    return client.networkInfo();
  },

  query: (client, params) => {
    const { reference, request } = parseQueryParams(params);
    return client.query(reference, request);
  },

  send_tx: (client, params) => {
    const { signedTransaction, waitUntil } = parseSendTxParams(params);
    transactionHashOf(signedTransaction);
    return client.sendTransaction(signedTransaction, waitUntil);
  },

  status: (client, params) => {
    expectNoParams('status', params);
    return client.status();
  },

  tx: (client, params) => {
    const { lookup, waitUntil } = parseTxStatusParams(params);
    if (lookup.kind === 'signed') transactionHashOf(lookup.signedTransaction);
    return client.transactionStatus(lookup, waitUntil, false);
  },

  validators: (client, params) => client.validators(parseValidatorsParams(params)),

  EXPERIMENTAL_changes: (client, params) => {
    const { reference, request } = parseChangesParams(params);
    return client.changes(reference, request);
  },

  EXPERIMENTAL_changes_in_block: (client, params) => client.changesInBlock(parseChangesInBlockParams(params)),

  EXPERIMENTAL_genesis_config: (client, params) => {
    expectNoParams('EXPERIMENTAL_genesis_config', params);
    return client.genesisConfig();
  },

  EXPERIMENTAL_protocol_config: (client, params) => client.protocolConfig(parseProtocolConfigParams(params)),

  EXPERIMENTAL_receipt: (client, params) => client.receipt(parseReceiptParams(params)),

  EXPERIMENTAL_tx_status: (client, params) => {
    const { lookup, waitUntil } = parseTxStatusParams(params);
    if (lookup.kind === 'signed') transactionHashOf(lookup.signedTransaction);
    return client.transactionStatus(lookup, waitUntil, true);
  },

  sandbox_patch_state: async (client, params) => {
    const applied = await client.patchState(parsePatchStateParams(params));
    // interval mode: answered after the next tick's block, waited for outside the request queue
    if (applied instanceof Later) return new Later(applied.answer.then(() => ({})));
    return {};
  },

  sandbox_fast_forward: async (client, params) => {
    await client.fastForward(parseFastForwardParams(params));
    return {};
  },
};

export function handle(client: NodeClient, method: string, params: unknown): unknown {
  const dev = Object.hasOwn(DEV_HANDLERS, method) ? DEV_HANDLERS[method] : undefined;
  if (dev !== undefined && client.dev !== undefined) return dev(client.dev, params);
  const handler = Object.hasOwn(HANDLERS, method) ? HANDLERS[method] : undefined;
  if (handler === undefined) throw methodNotFound(method);
  return handler(client, params);
}
