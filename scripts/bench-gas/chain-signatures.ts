/**
 * Gas of chain-signature requests: a request straight to the MPC signer double (sign + its yield
 * callback) against the same request through the proxy (proxy sign + signer sign + yield callback
 * + proxy on_signed). The difference is what the proxy adds; target ≤ 10 Tgas (issue 8). The
 * responder's `respond` is a separate transaction paid by the responder and is listed apart.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NEAR, TGAS, type ExecutionOutcomeWithIdView, type Sandbox, type TransactionResult } from '../../packages/sandbox/src/index.js';
import { rootPublicKeys, signatureRequest, signRequest, type SignatureRequest } from '../../packages/chain-signatures/src/index.js';
import type { GasRow } from './types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wasm = (name: string) => readFileSync(`${root}build/${name}.wasm`);

const SIGNER = 'signer.test.near';
const PROXY = 'proxy.test.near';
const RESPONDER = 'responder.test.near';
const USER = 'alice.test.near';

/**
 * Sends a request, answers it as an MPC participant would (`respond({request, response})` for the
 * request the signer stored, `pending`), and returns both transactions' results.
 */
function signedRequest(node: Sandbox, receiver: string, args: Record<string, unknown>, deposit: bigint, pending: SignatureRequest): { request: TransactionResult; respond: TransactionResult } {
  const tx = node.signTransaction(USER, receiver, [
    { type: 'FunctionCall', methodName: 'sign', args: new TextEncoder().encode(JSON.stringify(args)), gas: 300n * TGAS, deposit },
  ]);
  const hash = node.submitTransaction(tx);
  node.produceBlocks(4);
  if (node.view(SIGNER, 'get_pending_request', { request: pending }) === null) throw new Error(`no pending request after sign: ${JSON.stringify(node.getTransactionOutcome(hash).failure)}`);
  const respond = node.call(RESPONDER, SIGNER, 'respond', { request: pending, response: signRequest(pending) }, { gas: 300n * TGAS });
  if (!respond.succeeded) throw new Error(`respond failed: ${JSON.stringify(respond.failure)}`);
  node.produceBlocks(6);
  const request = node.getTransactionOutcome(hash);
  if (!request.succeeded) throw new Error(`sign failed: ${JSON.stringify(request.failure)}`);
  return { request, respond };
}

const tgas = (gas: bigint) => (Number(gas) / 1e12).toFixed(2);

/**
 * Where one receipt's gas went, from its gas profile (nearcore's `metadata.gas_profile`, burnt
 * gas only): action fees (the receipt's own function call, the send fees of the receipts it
 * creates), contract loading, Wasm instructions (near-sdk-js start-up and the method), storage,
 * logs (log + UTF-8 decoding), other host calls. The receipt's own new_action_receipt exec fee is
 * burnt but not in the profile; it is added to the action fees here.
 */
function receiptParts(node: Sandbox, outcome: ExecutionOutcomeWithIdView): string {
  const parts = { fees: node.config.actionFees.newActionReceipt.execution, loading: 0n, wasm: 0n, storage: 0n, logs: 0n, other: 0n };
  for (const entry of outcome.outcome.metadata.gas_profile ?? []) {
    const gas = BigInt(entry.gas_used);
    if (entry.cost_category === 'ACTION_COST') parts.fees += gas;
    else if (entry.cost.startsWith('CONTRACT_LOADING')) parts.loading += gas;
    else if (entry.cost === 'WASM_INSTRUCTION') parts.wasm += gas;
    else if (entry.cost.startsWith('STORAGE_') || entry.cost === 'TOUCHING_TRIE_NODE' || entry.cost === 'READ_CACHED_TRIE_NODE') parts.storage += gas;
    else if (entry.cost.startsWith('LOG_') || entry.cost.startsWith('UTF8_DECODING')) parts.logs += gas;
    else parts.other += gas;
  }
  return `action fees ${tgas(parts.fees)}, contract loading ${tgas(parts.loading)}, Wasm instructions ${tgas(parts.wasm)}, storage ${tgas(parts.storage)}, logs ${tgas(parts.logs)}, other host calls ${tgas(parts.other)}`;
}

/**
 * The fixed fees the callback receipt adds (nearcore parameters of the node's protocol): its
 * action receipt and function call, send (sender is receiver) and exec, and the data dependency
 * on the signer's result (new_data_receipt_base, send and exec). Argument bytes come on top.
 */
function callbackFixedFees(node: Sandbox): bigint {
  const { newActionReceipt, functionCallBase, newDataReceiptBase } = node.config.actionFees;
  return newActionReceipt.sendSir + newActionReceipt.execution + functionCallBase.sendSir + functionCallBase.execution + newDataReceiptBase.sendSir + newDataReceiptBase.execution;
}

/** Gas burnt by the receipts one account executed in a transaction. */
function burntBy(result: TransactionResult, accountId: string): bigint {
  return result.receipts.filter((r) => r.outcome.executor_id === accountId).reduce((n, r) => n + BigInt(r.outcome.gas_burnt), 0n);
}

export function measure(node: Sandbox): GasRow[] {
  for (const id of [SIGNER, PROXY, USER]) node.createAccount(id, { balance: 1_000n * NEAR });
  node.createAccount(RESPONDER, { balance: 10_000n * NEAR });
  node.deployContract(SIGNER, wasm('mpc-signer-double'));
  node.deployContract(PROXY, wasm('chain-signatures-proxy'));
  const roots = rootPublicKeys();
  const signerInit = node.call(SIGNER, SIGNER, 'init', { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [RESPONDER] }, { gas: 100n * TGAS });
  const proxyInit = node.call(PROXY, PROXY, 'init', { owner_id: USER, config: { signer_id: SIGNER, sign_gas_tgas: 100 } }, { gas: 100n * TGAS });
  if (!signerInit.succeeded || !proxyInit.succeeded) throw new Error(`init failed: ${JSON.stringify(signerInit.failure ?? proxyInit.failure)}`);
  // The user prepays the storage of their records, so the request below attaches 1 yoctoNEAR.
  const storage = node.call(USER, PROXY, 'storage_deposit', {}, { deposit: 10n ** 22n, gas: 100n * TGAS });
  if (!storage.succeeded) throw new Error(`storage_deposit failed: ${JSON.stringify(storage.failure)}`);

  const ecdsa = { Ecdsa: '5a'.repeat(32) };
  const eddsa = { Eddsa: '5b'.repeat(120) };
  const viaProxy = `${USER},bench`;
  const direct = signedRequest(node, SIGNER, { request: { path: 'bench', payload_v2: ecdsa, domain_id: 0 } }, 1n, signatureRequest(USER, 'bench', ecdsa, 0));
  const proxied = signedRequest(node, PROXY, { path: 'bench', payload_v2: { Ecdsa: '5c'.repeat(32) }, domain_id: 0 }, 1n, signatureRequest(PROXY, viaProxy, { Ecdsa: '5c'.repeat(32) }, 0));
  const proxiedEd = signedRequest(node, PROXY, { path: 'bench', payload_v2: eddsa, domain_id: 1 }, 1n, signatureRequest(PROXY, viaProxy, eddsa, 1));

  const added = proxied.request.gasBurnt - direct.request.gasBurnt;
  const signerReceipts = direct.request.receipts.filter((r) => r.outcome.executor_id === SIGNER);
  const proxyReceipts = proxied.request.receipts.filter((r) => r.outcome.executor_id === PROXY);
  const [signReceipt, callbackReceipt] = proxyReceipts;
  if (!signReceipt || !callbackReceipt) throw new Error(`expected the proxy's sign and on_signed receipts, got ${proxyReceipts.length}`);
  // Gas refund receipts (predecessor "system"): nearcore reports their gas_burnt but burns no tokens for them.
  const refunds = (r: TransactionResult) => r.receipts.filter((o) => o.outcome.executor_id === USER && o.outcome.tokens_burnt === '0');
  const extraRefundGas = refunds(proxied.request).reduce((n, o) => n + BigInt(o.outcome.gas_burnt), 0n) - refunds(direct.request).reduce((n, o) => n + BigInt(o.outcome.gas_burnt), 0n);
  const rows: GasRow[] = [
    { contract: 'mpc-signer-double', operation: 'init (receipt)', gasBurnt: BigInt(signerInit.receipts[0]!.outcome.gas_burnt) },
    { contract: 'chain-signatures-proxy', operation: 'init (receipt)', gasBurnt: BigInt(proxyInit.receipts[0]!.outcome.gas_burnt) },
    { contract: 'mpc-signer-double', operation: 'sign, direct (transaction total)', gasBurnt: direct.request.gasBurnt, note: 'near/mpc 3.14.1 on this node: 6.8' },
    ...signerReceipts.map((receipt, i) => ({ contract: 'mpc-signer-double', operation: `  ${i === 0 ? 'sign receipt' : 'yield callback receipt'}`, gasBurnt: BigInt(receipt.outcome.gas_burnt), note: `near/mpc: ${i === 0 ? '3.40' : '2.62'}; ${receiptParts(node, receipt)}` })),
    {
      contract: 'chain-signatures-proxy',
      operation: 'sign via proxy, ECDSA (transaction total)',
      gasBurnt: proxied.request.gasBurnt,
      target: direct.request.gasBurnt + 10n * TGAS,
      note: `near/mpc 3.14.1: 12.8; proxy adds ${(Number(added) / 1e12).toFixed(2)} Tgas: sign ${(Number(proxied.request.receipts[0]!.outcome.gas_burnt) / 1e12).toFixed(2)} + on_signed and receipts`,
    },
    { contract: 'chain-signatures-proxy', operation: 'proxy receipts only (sign + on_signed)', gasBurnt: burntBy(proxied.request, PROXY), target: 10n * TGAS },
    { contract: 'chain-signatures-proxy', operation: '  proxy sign receipt', gasBurnt: BigInt(signReceipt.outcome.gas_burnt), note: receiptParts(node, signReceipt) },
    { contract: 'chain-signatures-proxy', operation: '  proxy on_signed receipt', gasBurnt: BigInt(callbackReceipt.outcome.gas_burnt), note: receiptParts(node, callbackReceipt) },
    { contract: 'chain-signatures-proxy', operation: '  callback receipt fixed fees (in the above)', gasBurnt: callbackFixedFees(node), note: 'action receipt + function call + data dependency, send and exec (nearcore parameters)' },
    { contract: 'chain-signatures-proxy', operation: '  extra gas refund receipts (no tokens burnt)', gasBurnt: extraRefundGas, note: 'one per extra receipt with unspent gas' },
    { contract: 'chain-signatures-proxy', operation: 'sign via proxy, EdDSA 120 B (transaction total)', gasBurnt: proxiedEd.request.gasBurnt },
    { contract: 'mpc-signer-double', operation: 'respond ECDSA (participant pays)', gasBurnt: proxied.respond.gasBurnt, note: `near/mpc 3.14.1: 7.7; ${receiptParts(node, proxied.respond.receipts[0]!)}` },
    { contract: 'mpc-signer-double', operation: 'respond EdDSA (participant pays)', gasBurnt: proxiedEd.respond.gasBurnt, note: `near/mpc 3.14.1: 8.0; ${receiptParts(node, proxiedEd.respond.receipts[0]!)}` },
  ];
  // Views as calls, to read their gas: near-sdk-js views are ordinary exports.
  for (const [label, args] of [
    ['derived_public_key secp256k1 (as call)', { path: 'bench', predecessor: USER }],
    ['derived_public_key ed25519 (as call)', { path: 'bench', predecessor: USER, domain_id: 1 }],
    ['public_key (as call: near-sdk-js floor)', {}],
  ] as const) {
    const method = label.split(' ')[0]!;
    const result = node.call(USER, SIGNER, method, args, { gas: 300n * TGAS });
    rows.push({ contract: 'mpc-signer-double', operation: label, gasBurnt: BigInt(result.receipts[0]!.outcome.gas_burnt) });
  }
  // Owner and token calls of the proxy (USER is the owner here and plays the fee token).
  const adminCalls: [string, Record<string, unknown>, bigint][] = [
    ['set_config', { config: { fee_token: USER, fee_token_amount: '5' } }, 1n],
    ['allow', { account_id: RESPONDER }, 1n],
    ['disallow', { account_id: RESPONDER }, 1n],
    ['pause', {}, 1n],
    ['unpause', {}, 1n],
    ['ft_on_transfer', { sender_id: RESPONDER, amount: '100', msg: 'fee' }, 0n],
  ];
  // The fee payer prepays its prepaid-fee record (a first prepayment creates it).
  const payerStorage = node.call(RESPONDER, PROXY, 'storage_deposit', {}, { deposit: 10n ** 22n, gas: 100n * TGAS });
  if (!payerStorage.succeeded) throw new Error(`storage_deposit failed: ${JSON.stringify(payerStorage.failure)}`);
  for (const [method, args, deposit] of adminCalls) {
    const result = node.call(USER, PROXY, method, args, { gas: 100n * TGAS, deposit });
    if (!result.succeeded) throw new Error(`${method} failed: ${JSON.stringify(result.failure)}`);
    rows.push({ contract: 'chain-signatures-proxy', operation: `${method} (receipt)`, gasBurnt: BigInt(result.receipts[0]!.outcome.gas_burnt) });
  }
  rows.push({ contract: 'chain-signatures-proxy', operation: 'storage_deposit (receipt)', gasBurnt: BigInt(payerStorage.receipts[0]!.outcome.gas_burnt) });
  const withdrawn = node.call(RESPONDER, PROXY, 'storage_withdraw', { amount: '1' }, { gas: 100n * TGAS, deposit: 1n });
  if (!withdrawn.succeeded) throw new Error(`storage_withdraw failed: ${JSON.stringify(withdrawn.failure)}`);
  rows.push({ contract: 'chain-signatures-proxy', operation: 'storage_withdraw (receipt)', gasBurnt: BigInt(withdrawn.receipts[0]!.outcome.gas_burnt) });
  const floor = node.call(USER, PROXY, 'get_config', {}, { gas: 300n * TGAS });
  rows.push({ contract: 'chain-signatures-proxy', operation: 'get_config (as call: near-sdk-js floor)', gasBurnt: BigInt(floor.receipts[0]!.outcome.gas_burnt) });
  for (const [method, args] of [
    ['derivation_path', { account_id: USER, path: 'bench' }],
    ['usage_of', { account_id: USER }],
    ['sign_deposit', { account_id: USER }],
  ] as const) {
    const view = node.call(USER, PROXY, method, args, { gas: 300n * TGAS });
    if (!view.succeeded) throw new Error(`${method} failed: ${JSON.stringify(view.failure)}`);
    rows.push({ contract: 'chain-signatures-proxy', operation: `${method} (as call)`, gasBurnt: BigInt(view.receipts[0]!.outcome.gas_burnt) });
  }
  return rows;
}
