/**
 * Chain signatures end to end through near-workspaces' public API: the proxy contract forwards
 * requests to the MPC signer double, which yields (NEP-519); the off-chain responder
 * (scripts/mpc-responder.ts) runs in this process against the worker's RPC URL, signs with the
 * derived test key and calls `respond`. The signed Ethereum, Bitcoin and Solana transactions are
 * checked with each chain's own library (viem, bitcoinjs-lib, @solana/web3.js + @noble/curves).
 *
 * The node produces blocks only when asked (transactions, fastForward), so a request whose yield
 * waits is polled with fastForward(1) steps until its final outcome; the timeout test moves 200+
 * blocks ahead (near/mpc: unanswered requests fail after 200 blocks, NEP-519).
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { Worker, type NearAccount } from 'near-workspaces';
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, buildDelegateAction, type KeyPairString } from 'near-api-js';
import { recoverTransactionAddress } from 'viem';
import * as bitcoin from 'bitcoinjs-lib';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { PublicKey } from '@solana/web3.js';
import { contractWasm } from './helpers/wasm.js';
import { addFunctionCallKey, createSubAccount, settled } from './helpers/accounts.js';
import {
  rootPublicKeys,
  deriveTweak,
  deriveSecp256k1PublicKey,
  deriveEd25519PublicKey,
  formatSecp256k1Key,
  formatEd25519Key,
  ethereumAddress,
  ethereumSigningPayload,
  assembleEthereumTransaction,
  bitcoinP2wpkhAddress,
  bitcoinSigningPayloads,
  assembleBitcoinTransaction,
  compressPublicKey,
  ecdsaFromResponse,
  solanaAddress,
  solanaTransferTransaction,
  solanaSigningPayload,
  assembleSolanaTransaction,
  eddsaFromResponse,
  signEcdsa,
  signEddsa,
  signatureRequest,
  type SignatureRequest,
  type SignatureResponse,
  type UnsignedEip1559,
} from '../packages/chain-signatures/src/index.js';
import { startResponder, type Responder } from '../scripts/mpc-responder.js';

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
/** Fee per request in the tests: large enough that a kept fee shows in a balance. */
const FEE = NEAR / 10n;
const ROOTS = rootPublicKeys();
/** secp256k1 group order: a payload at or above it is not a scalar (near/mpc api/sign.rs). */
const SECP256K1_N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';

interface Context {
  worker: Worker;
  root: NearAccount;
  /** The signer double with a responder (its attested participant) running. */
  signer: NearAccount;
  participant: NearAccount;
  responder: Responder;
}
const test = anyTest as TestFn<Context>;

/** Accounts from the root, one at a time (see helpers/accounts.ts). */
function createAccount(t: ExecutionContext<Context>, prefix: string, balance: bigint): Promise<NearAccount> {
  return createSubAccount(t.context.root, prefix, balance);
}

function rpcUrl(worker: Worker): string {
  return (worker.provider as unknown as { connection: { url: string } }).connection.url;
}

/** A signer double whose attested participants are `participants` (test accounts). */
async function deploySigner(t: ExecutionContext<Context>, participants: string[]): Promise<NearAccount> {
  const signer = await createAccount(t, 'signer', 60n * NEAR);
  await signer.deploy(readFileSync(contractWasm('mpc-signer-double')));
  await signer.call(signer, 'init', { secp256k1_root: ROOTS.secp256k1, ed25519_root: ROOTS.ed25519, participants }, { gas: 100n * TGAS });
  return signer;
}

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount } as Context;
  const participant = await createAccount(t as unknown as ExecutionContext<Context>, 'participant', 100_000n * NEAR);
  const signer = await deploySigner(t as unknown as ExecutionContext<Context>, [participant.accountId]);
  const key = await participant.getKey();
  const responder = startResponder({
    rpcUrl: rpcUrl(worker),
    contractId: signer.accountId,
    accountId: participant.accountId,
    privateKey: key!.toString() as `ed25519:${string}`,
    onError: (error) => console.error(`responder: ${error.message}`),
  });
  Object.assign(t.context, { signer, participant, responder });
});

test.after.always(async (t) => {
  await t.context.responder?.stop();
  await t.context.worker?.tearDown();
});

interface Proxy {
  proxy: NearAccount;
  owner: NearAccount;
  alice: NearAccount;
  /** The signer the proxy forwards to. */
  signer: NearAccount;
}

/** A fresh proxy (fee 0.1 NEAR, forwarding 100 Tgas to the signer), its owner and a user. */
async function deployProxy(t: ExecutionContext<Context>, config: Record<string, unknown> = {}, signer = t.context.signer): Promise<Proxy> {
  const proxy = await createAccount(t, 'proxy', 30n * NEAR);
  const owner = await createAccount(t, 'owner', 20n * NEAR);
  const alice = await createAccount(t, 'alice', 200n * NEAR);
  await proxy.deploy(readFileSync(contractWasm('chain-signatures-proxy')));
  await proxy.call(proxy, 'init', { owner_id: owner.accountId, config: { signer_id: signer.accountId, sign_gas_tgas: 100, fee_near: FEE.toString(), ...config } }, { gas: 100n * TGAS });
  // alice prepays the storage of her records (usage, prepaid fees), so her requests attach 1 yoctoNEAR + fee.
  await alice.call(proxy, 'storage_deposit', {}, { attachedDeposit: NEAR / 100n, gas: 50n * TGAS });
  return { proxy, owner, alice, signer };
}

type Outcome = {
  status: { SuccessValue?: string; Failure?: unknown } | string;
  receipts_outcome: { outcome: { status: { Failure?: unknown } | unknown; logs: string[] } }[];
};

/**
 * Polls a transaction until it is final, producing one block between polls (yields wait for blocks), then answers it at
 * FINAL: its gas refunds ran too, so balances read after this are settled.
 */
async function finalOutcome(t: ExecutionContext<Context>, hash: string, sender: string): Promise<Outcome> {
  const provider = t.context.worker.provider as unknown as { txStatus(hash: string, sender: string, waitUntil: string): Promise<Outcome> };
  for (let attempt = 0; attempt < 300; attempt++) {
    const outcome = await provider.txStatus(hash, sender, 'EXECUTED_OPTIMISTIC');
    if (typeof outcome.status === 'object' && ('SuccessValue' in outcome.status || 'Failure' in outcome.status)) return provider.txStatus(hash, sender, 'FINAL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.context.worker.provider.fastForward(1);
  }
  throw new Error(`transaction ${hash} did not finish`);
}

/** Panic messages of every failed receipt of an outcome. */
function failures(outcome: Outcome): string[] {
  return outcome.receipts_outcome.flatMap((r) => {
    const status = r.outcome.status as { Failure?: { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } } };
    const message = status.Failure?.ActionError?.kind?.FunctionCallError?.ExecutionError;
    return message === undefined ? [] : [message];
  });
}

function successValue<T>(outcome: Outcome): T {
  if (typeof outcome.status !== 'object' || outcome.status.SuccessValue === undefined) {
    throw new Error(`transaction failed: ${JSON.stringify(failures(outcome))}`);
  }
  return JSON.parse(Buffer.from(outcome.status.SuccessValue, 'base64').toString('utf8')) as T;
}

type SignArgs = {
  path: string;
  payload_v2: { Ecdsa: string } | { Eddsa: string };
  domain_id?: number;
};

/** Sends a request to the proxy and returns its final outcome (the responder answers meanwhile). */
async function requestThroughProxy(t: ExecutionContext<Context>, p: Proxy, caller: NearAccount, args: SignArgs, deposit = 1n + FEE): Promise<Outcome> {
  const sent = await caller.callRaw(p.proxy, 'sign', args, { attachedDeposit: deposit, gas: 300n * TGAS });
  return finalOutcome(t, sent.result.transaction.hash, caller.accountId);
}

async function signThroughProxy(t: ExecutionContext<Context>, p: Proxy, args: SignArgs): Promise<SignatureResponse> {
  return successValue<SignatureResponse>(await requestThroughProxy(t, p, p.alice, args));
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What the signer derives from for a user of the proxy (proxy = predecessor, "<user>,<path>"). */
function userPath(p: Proxy, path: string): string {
  return `${p.alice.accountId},${path}`;
}

/** The request the signer would store for `caller`'s request through the proxy. */
function proxiedRequest(p: Proxy, caller: NearAccount, args: SignArgs): SignatureRequest {
  return signatureRequest(p.proxy.accountId, `${caller.accountId},${args.path}`, args.payload_v2, args.domain_id ?? ('Eddsa' in args.payload_v2 ? 1 : 0));
}

/** Observable proxy state that refused calls must leave unchanged, with the signer's pending entry of the request. */
async function proxyState(p: Proxy, caller: NearAccount, args: SignArgs): Promise<string> {
  const [usage, collected, config, fee, pending] = await Promise.all([
    p.proxy.view('usage_of', { account_id: p.alice.accountId }),
    p.proxy.view('collected_fees', {}),
    p.proxy.view('get_config', {}),
    p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }),
    p.signer.view('get_pending_request', { request: proxiedRequest(p, caller, args) }),
  ]);
  return JSON.stringify({ usage, collected, config, fee, pending });
}

/** A refused request: fails with exactly `message`, keeps no deposit, changes no proxy state. */
async function refused(t: ExecutionContext<Context>, p: Proxy, caller: NearAccount, args: SignArgs, message: string, deposit = 1n + FEE): Promise<void> {
  const before = await proxyState(p, caller, args);
  const balance = await caller.availableBalance();
  const result = await caller.callRaw(p.proxy, 'sign', args, { attachedDeposit: deposit, gas: 300n * TGAS });
  t.true(result.failed, `sign should fail with ${message}`);
  const got = result.receiptFailureMessages.map((m) => {
    try {
      return (JSON.parse(m) as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } }).ActionError?.kind?.FunctionCallError?.ExecutionError ?? m;
    } catch {
      return m;
    }
  });
  t.true(got.includes(`Smart contract panicked: ${message}`), `expected "${message}", got ${JSON.stringify(got)}`);
  t.is(await proxyState(p, caller, args), before, 'a refused request changes no proxy state and leaves nothing pending');
  await settled(t.context.worker, result);
  const spent = balance - (await caller.availableBalance());
  t.true(spent < NEAR / 100n, `a refused request costs only gas (spent ${spent} yoctoNEAR)`);
}

// ------------------------------------------------------------------ derivation

test('derivation: the notes\' test vector, and the double\'s derived_public_key equals the client derivation', async (t) => {
  // near/mpc crates/near-mpc-crypto-types snapshot derive_tweak__has_not_changed (first entry)
  t.is(hex(deriveTweak('dwefqwg', 'frwewegwegweg')), 'ad2d6fc1f445a1b43830415e7e6e3d03cd077673047848a085f130c24f53ee00');
  t.is(hex(deriveTweak('dwefqwg', 'fwei2.3f230')), '5f76eba48a20e3dd355e38f512c142ab8c8da4999f6b32ecd326d227b44ac05a');
  const signer = t.context.signer;
  for (const [predecessor, path] of [['dwefqwg', 'frwewegwegweg'], ['dwefqwg', 'fwei2.3f230'], ['proxy1.test.near', 'alice.test.near,eth-1']]) {
    t.is(await signer.view('derived_public_key', { predecessor, path }), formatSecp256k1Key(deriveSecp256k1PublicKey(ROOTS.secp256k1, predecessor, path)));
    t.is(await signer.view('derived_public_key', { predecessor, path, domain_id: 1 }), formatEd25519Key(deriveEd25519PublicKey(ROOTS.ed25519, predecessor, path)));
  }
  t.is(await signer.view('public_key', {}), ROOTS.secp256k1);
  t.is(await signer.view('public_key', { domain_id: 1 }), ROOTS.ed25519);
  // Different predecessors or paths give different keys.
  t.not(await signer.view('derived_public_key', { predecessor: 'dwefqwg', path: 'a' }), await signer.view('derived_public_key', { predecessor: 'dwefqwg', path: 'b' }));
});

// ------------------------------------------------------------------ chains

test('Ethereum: an EIP-1559 transaction signed through proxy, double and responder recovers to the derived address', async (t) => {
  const p = await deployProxy(t);
  const derivation = (await p.proxy.view('derivation_path', { account_id: p.alice.accountId, path: 'eth-1' })) as { predecessor: string; path: string };
  t.deepEqual(derivation, { predecessor: p.proxy.accountId, path: userPath(p, 'eth-1') });
  const publicKey = deriveSecp256k1PublicKey(ROOTS.secp256k1, derivation.predecessor, derivation.path);
  t.is(await p.signer.view('derived_public_key', derivation), formatSecp256k1Key(publicKey));
  const from = ethereumAddress(publicKey);
  const transaction: UnsignedEip1559 = {
    chainId: 11155111,
    nonce: 0,
    to: '0x000000000000000000000000000000000000dEaD',
    value: 10n ** 15n,
    gas: 21000n,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  };
  const payload = ethereumSigningPayload(transaction);
  const response = await signThroughProxy(t, p, { path: 'eth-1', payload_v2: { Ecdsa: hex(payload) }, domain_id: 0 });
  t.is((response as { scheme?: string }).scheme, 'Secp256k1');
  const raw = assembleEthereumTransaction(transaction, response);
  t.true(raw.startsWith('0x02'), 'an EIP-1559 (type 2) transaction');
  t.is(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` }), from);
  // The fee was collected and the usage recorded.
  t.is(await p.proxy.view('collected_fees', {}), FEE.toString());
  t.like(await p.proxy.view('usage_of', { account_id: p.alice.accountId }), { count: 1, pending: 0 });
});

test('Bitcoin: a P2WPKH spend signed through the proxy validates with bitcoinjs-lib', async (t) => {
  const p = await deployProxy(t);
  const publicKeyXY = deriveSecp256k1PublicKey(ROOTS.secp256k1, p.proxy.accountId, userPath(p, 'btc-1'));
  const address = bitcoinP2wpkhAddress(publicKeyXY, 'testnet');
  t.regex(address, /^tb1q/);
  const spend = {
    publicKeyXY,
    network: 'testnet' as const,
    inputs: [{ txid: 'aa'.repeat(32), vout: 1, value: 50_000n }],
    outputs: [{ address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', value: 40_000n }],
  };
  const [payload] = bitcoinSigningPayloads(spend);
  const response = await signThroughProxy(t, p, { path: 'btc-1', payload_v2: { Ecdsa: hex(payload!) } });
  const assembled = assembleBitcoinTransaction(spend, [response]);

  // Independent check with bitcoinjs-lib's PSBT: the same spend, the signature as a partial
  // signature, validated against the BIP-143 sighash of the witness UTXO, then finalized.
  const pubkey = compressPublicKey(publicKeyXY);
  const network = bitcoin.networks.testnet;
  const psbt = new bitcoin.Psbt({ network });
  psbt.setVersion(2);
  psbt.addInput({ hash: 'aa'.repeat(32), index: 1, witnessUtxo: { script: bitcoin.payments.p2wpkh({ pubkey, network }).output!, value: 50_000n } });
  psbt.addOutput({ address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', value: 40_000n });
  const { r, s } = ecdsaFromResponse(response);
  const signature = bitcoin.script.signature.encode(new secp256k1.Signature(r, s).toBytes('compact'), bitcoin.Transaction.SIGHASH_ALL);
  psbt.updateInput(0, { partialSig: [{ pubkey, signature }] });
  t.true(psbt.validateSignaturesOfInput(0, (key, hash, sig) => secp256k1.verify(sig, hash, key, { prehash: false })));
  psbt.finalizeAllInputs();
  t.is(psbt.extractTransaction().toHex(), assembled);
  // The witness spends the derived address's output.
  const tx = bitcoin.Transaction.fromHex(assembled);
  t.is(hex(tx.ins[0]!.witness[1]!), hex(pubkey));
});

test('Solana: a transfer message signed through the proxy verifies with ed25519 against the derived address', async (t) => {
  const p = await deployProxy(t);
  const publicKey = deriveEd25519PublicKey(ROOTS.ed25519, p.proxy.accountId, userPath(p, 'sol-1'));
  t.is(await p.signer.view('derived_public_key', { predecessor: p.proxy.accountId, path: userPath(p, 'sol-1'), domain_id: 1 }), formatEd25519Key(publicKey));
  const from = solanaAddress(publicKey);
  const transaction = solanaTransferTransaction({ from: publicKey, to: '11111111111111111111111111111112', lamports: 1_000_000n, recentBlockhash: 'EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k' });
  const message = solanaSigningPayload(transaction);
  const response = await signThroughProxy(t, p, { path: 'sol-1', payload_v2: { Eddsa: hex(message) }, domain_id: 1 });
  t.is((response as { scheme?: string }).scheme, 'Ed25519');
  const signature = eddsaFromResponse(response);
  t.true(ed25519.verify(signature, message, new PublicKey(from).toBytes()));
  t.false(ed25519.verify(signature, message, deriveEd25519PublicKey(ROOTS.ed25519, p.proxy.accountId, userPath(p, 'sol-2'))), 'another path\'s key does not verify');
  const wire = assembleSolanaTransaction(transaction, response);
  t.true(wire.length > message.length + 64);
});

test('the double answers direct callers in the legacy request shape (payload + key_version)', async (t) => {
  const user = await createAccount(t, 'direct', 200n * NEAR);
  const payload = Array.from({ length: 32 }, (_, i) => i + 1);
  const sent = await user.callRaw(t.context.signer, 'sign', { request: { path: 'legacy', payload, key_version: 0 } }, { attachedDeposit: 1n, gas: 300n * TGAS });
  const response = successValue<SignatureResponse>(await finalOutcome(t, sent.result.transaction.hash, user.accountId));
  const { r, s, recoveryId } = ecdsaFromResponse(response);
  const recovered = new secp256k1.Signature(r, s, recoveryId).recoverPublicKey(Uint8Array.from(payload)).toBytes(false).slice(1);
  t.is(hex(recovered), hex(deriveSecp256k1PublicKey(ROOTS.secp256k1, user.accountId, 'legacy')));
});

// ------------------------------------------------------------------ failures refund

test('a signer failure refunds the fee and fails the caller with a clear message', async (t) => {
  const p = await deployProxy(t);
  const before = await p.alice.availableBalance();
  const outcome = await requestThroughProxy(t, p, p.alice, { path: 'eth-1', payload_v2: { Ecdsa: SECP256K1_N_HEX } });
  const messages = failures(outcome);
  t.true(messages.includes('Smart contract panicked: Ecdsa payload cannot be converted to Scalar'), JSON.stringify(messages));
  t.true(messages.includes(`Smart contract panicked: ChainSignaturesProxy: signature request of ${p.alice.accountId} failed or timed out; fee refunded`), JSON.stringify(messages));
  const spent = before - (await p.alice.availableBalance());
  t.true(spent < FEE / 2n, `the fee came back; spent ${spent} yoctoNEAR (gas and 1 yoctoNEAR)`);
  t.is(await p.proxy.view('collected_fees', {}), '0');
  t.like(await p.proxy.view('usage_of', { account_id: p.alice.accountId }), { count: 0, pending: 0 });
});

test.serial('an unanswered request times out after 200 blocks and refunds the fee', async (t) => {
  // A signer without a running responder.
  const silent = await deploySigner(t, ['nobody.test.near']);
  const p = await deployProxy(t, {}, silent);
  const before = await p.alice.availableBalance();
  const args = { path: 'eth-1', payload_v2: { Ecdsa: '11'.repeat(32) } };
  const sent = await p.alice.callRaw(p.proxy, 'sign', args, { attachedDeposit: 1n + FEE, gas: 300n * TGAS });
  const request = proxiedRequest(p, p.alice, args);
  t.not(await silent.view('get_pending_request', { request }), null, 'the request is pending');
  await t.context.worker.provider.fastForward(205);
  const outcome = await finalOutcome(t, sent.result.transaction.hash, p.alice.accountId);
  const messages = failures(outcome);
  t.true(messages.includes('Smart contract panicked: Request has timed out.'), JSON.stringify(messages));
  t.true(messages.includes(`Smart contract panicked: ChainSignaturesProxy: signature request of ${p.alice.accountId} failed or timed out; fee refunded`));
  const spent = before - (await p.alice.availableBalance());
  t.true(spent < FEE / 2n, `the fee came back; spent ${spent} yoctoNEAR`);
  // near/mpc return_signature_and_clean_state_on_success: a timeout pops the queued yield, then fail_on_timeout fails the caller.
  t.is(await silent.view('get_pending_request', { request }), null, 'a timed-out request is no longer pending');
  t.like(await p.proxy.view('usage_of', { account_id: p.alice.accountId }), { count: 0, pending: 0 });
});

// ------------------------------------------------------------------ refused requests

test('refused: exceeded quota, pause, caller not allowed, injected path, short deposit', async (t) => {
  const p = await deployProxy(t, { quota_per_period: 1 });
  const payload = { Ecdsa: '22'.repeat(32) };
  await refused(t, p, p.alice, { path: 'p,bob', payload_v2: payload }, 'ChainSignaturesProxy: path may not contain the separator ","');
  await refused(t, p, p.alice, { path: 'p\nq', payload_v2: payload }, 'ChainSignaturesProxy: path may contain only printable ASCII without spaces');
  await refused(t, p, p.alice, { path: 'p', payload_v2: payload }, `ChainSignaturesProxy: attach at least ${1n + FEE} yoctoNEAR (signer deposit plus fee)`, FEE);

  // One request uses the quota of one per period.
  await signThroughProxy(t, p, { path: 'p', payload_v2: payload });
  await refused(t, p, p.alice, { path: 'p', payload_v2: { Ecdsa: '23'.repeat(32) } }, 'ChainSignaturesProxy: quota of 1 requests per period exceeded');

  const bob = await createAccount(t, 'bob', 200n * NEAR);
  await p.owner.call(p.proxy, 'set_config', { config: { allowlist_enabled: true } }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await refused(t, p, bob, { path: 'p', payload_v2: payload }, 'ChainSignaturesProxy: caller is not on the allow-list');
  await p.owner.call(p.proxy, 'allow', { account_id: bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(await p.proxy.view('is_allowed', { account_id: bob.accountId }));

  await p.owner.call(p.proxy, 'pause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  await refused(t, p, bob, { path: 'p', payload_v2: payload }, 'ChainSignaturesProxy: requests are paused by the owner; try again after unpause');
  await p.owner.call(p.proxy, 'unpause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  await bob.call(p.proxy, 'storage_deposit', {}, { attachedDeposit: NEAR / 100n, gas: 50n * TGAS });
  const response = successValue<SignatureResponse>(await requestThroughProxy(t, p, bob, { path: 'p', payload_v2: payload }));
  // bob's key for "p" differs from alice's: paths are namespaced per user.
  const { r, s, recoveryId } = ecdsaFromResponse(response);
  const recovered = new secp256k1.Signature(r, s, recoveryId).recoverPublicKey(Buffer.from(payload.Ecdsa, 'hex')).toBytes(false).slice(1);
  t.is(hex(recovered), hex(deriveSecp256k1PublicKey(ROOTS.secp256k1, p.proxy.accountId, `${bob.accountId},p`)));
  t.not(hex(recovered), hex(deriveSecp256k1PublicKey(ROOTS.secp256k1, p.proxy.accountId, userPath(p, 'p'))));
});

/** The panic message of a failed call, without nearcore's "Smart contract panicked: " prefix. */
function panicMessage(result: { receiptFailureMessages: string[] }): string {
  const texts = result.receiptFailureMessages.map((m) => {
    try {
      return (JSON.parse(m) as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } }).ActionError?.kind?.FunctionCallError?.ExecutionError ?? m;
    } catch {
      return m;
    }
  });
  const panicked = texts.find((m) => m.startsWith('Smart contract panicked: '));
  return panicked === undefined ? JSON.stringify(texts) : panicked.slice('Smart contract panicked: '.length);
}

// near/mpc crates/contract/src/api/common.rs tests check_request_preconditions__panics_when_domain_does_not_exist,
// __panics_when_prepaid_gas_is_insufficient, __panics_when_attached_deposit_is_insufficient; errors.rs texts.
test('sign refuses with near/mpc\'s messages (api/common.rs check_request_preconditions, api/sign.rs payload checks, errors.rs)', async (t) => {
  const user = await createAccount(t, 'direct', 200n * NEAR);
  const signer = t.context.signer;
  const request = { path: 'p', payload_v2: { Ecdsa: '33'.repeat(32) }, domain_id: 0 };
  const cases: [Record<string, unknown>, bigint, bigint, string][] = [
    [{ ...request, domain_id: 7 }, 1n, 300n * TGAS, 'The provided domain ID, 7, was not found.'],
    // The gas check is reached with 14 Tgas: the pre-initialised double starts in about 2 Tgas.
    [request, 1n, 14n * TGAS, 'Provided gas is lower than required. Provided: 14000000000000, required: 15000000000000'],
    [request, 0n, 300n * TGAS, 'Attached deposit is lower than required. Attached: 0, required: 1'],
    [{ ...request, payload_v2: { Eddsa: '33'.repeat(32) } }, 1n, 300n * TGAS, 'Payload is not Ecdsa'],
    [{ ...request, payload_v2: { Ecdsa: '33'.repeat(32) }, domain_id: 1 }, 1n, 300n * TGAS, 'Payload is not EdDSA'],
    [{ ...request, payload_v2: { Ecdsa: SECP256K1_N_HEX } }, 1n, 300n * TGAS, 'Ecdsa payload cannot be converted to Scalar'],
  ];
  for (const [args, deposit, gas, message] of cases) {
    const result = await user.callRaw(signer, 'sign', { request: args }, { attachedDeposit: deposit, gas });
    t.is(panicMessage(result), message);
    t.is(await signer.view('get_pending_request', { request: signatureRequest(user.accountId, 'p', args.payload_v2 as { Ecdsa: string }, args.domain_id as number) }), null, `nothing pending after: ${message}`);
  }
  // Arguments near/mpc's serde types refuse (crates/near-mpc-crypto-types/src/sign.rs SignRequestArgsCompat and
  // its tests deserialize__should_reject_both_payload_v2_and_deprecated_payload, __should_reject_missing_domain_id_and_key_version;
  // Payload: Ecdsa exactly 32 bytes) fail in near-sdk-rs's wrapper before the method runs.
  for (const bad of [
    { ...request, payload: Array.from({ length: 32 }, () => 1) },
    { path: 'p', payload_v2: request.payload_v2 },
    { ...request, key_version: 0 },
    { ...request, payload_v2: { Ecdsa: '33'.repeat(31) } },
    { ...request, payload_v2: { Eddsa: '33'.repeat(1233) } },
  ]) {
    const result = await user.callRaw(signer, 'sign', { request: bad }, { attachedDeposit: 1n, gas: 300n * TGAS });
    t.true(panicMessage(result).startsWith('Failed to deserialize input from JSON. Error: `'), panicMessage(result));
  }
});

// near/mpc 3.14.0 (#3876, crates/near-mpc-crypto-types/src/sign.rs test deserialize__should_accept_eddsa_shorter_than_32_bytes):
// an EdDSA message may be shorter than 32 bytes.
test('an EdDSA request of 3 bytes is signed (accepted since near/mpc 3.14.0)', async (t) => {
  const user = await createAccount(t, 'direct', 200n * NEAR);
  const sent = await user.callRaw(t.context.signer, 'sign', { request: { path: 'short', payload_v2: { Eddsa: '0a0b0c' }, domain_id: 1 } }, { attachedDeposit: 1n, gas: 300n * TGAS });
  const signature = eddsaFromResponse(successValue<SignatureResponse>(await finalOutcome(t, sent.result.transaction.hash, user.accountId)));
  t.true(ed25519.verify(signature, Uint8Array.of(10, 11, 12), deriveEd25519PublicKey(ROOTS.ed25519, user.accountId, 'short')));
});

test('a prepaid stablecoin fee (ft_transfer_call) pays for requests and comes back when the signer fails', async (t) => {
  const token = await createAccount(t, 'usd', 30n * NEAR);
  const p = await deployProxy(t, { fee_near: '0' });
  await token.deploy(readFileSync(contractWasm('stablecoin')));
  await token.call(token, 'init', { owner_id: p.owner.accountId }, { gas: 100n * TGAS });
  await p.owner.call(token, 'grant_role', { role: 'master_minter', account_id: p.owner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await p.owner.call(token, 'configure_minter', { account_id: p.owner.accountId, allowance: '1000000000' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  const { min } = (await token.view('storage_balance_bounds', {})) as { min: string };
  for (const account of [p.alice, p.proxy]) {
    await p.owner.call(token, 'storage_deposit', { account_id: account.accountId }, { attachedDeposit: BigInt(min), gas: 50n * TGAS });
  }
  await p.owner.call(token, 'mint', { account_id: p.alice.accountId, amount: '1000000' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await p.owner.call(p.proxy, 'set_config', { config: { fee_token: token.accountId, fee_token_amount: '250000' } }, { attachedDeposit: 1n, gas: 50n * TGAS });

  // Without a prepaid balance the request is refused.
  await refused(t, p, p.alice, { path: 'p', payload_v2: { Ecdsa: '44'.repeat(32) } }, 'ChainSignaturesProxy: prepaid token fee balance 0 is below the fee 250000; top up with ft_transfer_call', 1n);

  await p.alice.call(token, 'ft_transfer_call', { receiver_id: p.proxy.accountId, amount: '500000', msg: 'fee' }, { attachedDeposit: 1n, gas: 150n * TGAS });
  t.is(await p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }), '500000');
  t.is(await token.view('ft_balance_of', { account_id: p.proxy.accountId }), '500000', 'the proxy kept the whole transfer');

  const response = successValue<SignatureResponse>(await requestThroughProxy(t, p, p.alice, { path: 'p', payload_v2: { Ecdsa: '44'.repeat(32) } }, 1n));
  t.is((response as { scheme?: string }).scheme, 'Secp256k1');
  t.is(await p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }), '250000');

  const failed = await requestThroughProxy(t, p, p.alice, { path: 'p', payload_v2: { Ecdsa: SECP256K1_N_HEX } }, 1n);
  t.true(failures(failed).includes('Smart contract panicked: Ecdsa payload cannot be converted to Scalar'));
  t.is(await p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }), '250000', 'the token fee of the failed request was restored');

  // Only the configured token may credit fees.
  const fake = await createAccount(t, 'fake', 20n * NEAR);
  const forged = await fake.callRaw(p.proxy, 'ft_on_transfer', { sender_id: p.alice.accountId, amount: '999', msg: 'fee' }, { gas: 50n * TGAS });
  t.true(forged.receiptFailureMessagesContain('Smart contract panicked: ChainSignaturesProxy: token is not the fee token'));
  t.is(await p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }), '250000');

  // The owner withdraws the token fee collected (1 yoctoNEAR, full-access key).
  t.is(await p.proxy.view('collected_token_fees', { token: token.accountId }), '250000');
  const stranger = await p.alice.callRaw(p.proxy, 'withdraw_token_fees', { token: token.accountId }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.true(stranger.receiptFailureMessagesContain('Smart contract panicked: Ownable: caller is not the owner'));
  await p.owner.call(token, 'storage_deposit', {}, { attachedDeposit: BigInt(min), gas: 50n * TGAS });
  const withdrawn = await p.owner.callRaw(p.proxy, 'withdraw_token_fees', { token: token.accountId }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.is(withdrawn.parseResult<boolean>(), true);
  t.is(await token.view('ft_balance_of', { account_id: p.owner.accountId }), '250000');
  t.is(await p.proxy.view('collected_token_fees', { token: token.accountId }), '0');
  t.is(await token.view('ft_balance_of', { account_id: p.proxy.accountId }), '250000', "what is left is alice's prepaid balance");
});

test('prepaid fees are kept per token: a fee token change re-denominates nothing; alice withdraws the old token and prepays in the new one', async (t) => {
  const p = await deployProxy(t, { fee_near: '0' });
  const tokens: NearAccount[] = [];
  for (const name of ['usda', 'usdb']) {
    const token = await createAccount(t, name, 30n * NEAR);
    await token.deploy(readFileSync(contractWasm('stablecoin')));
    await token.call(token, 'init', { owner_id: p.owner.accountId }, { gas: 100n * TGAS });
    await p.owner.call(token, 'grant_role', { role: 'master_minter', account_id: p.owner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
    await p.owner.call(token, 'configure_minter', { account_id: p.owner.accountId, allowance: '1000000000' }, { attachedDeposit: 1n, gas: 50n * TGAS });
    const { min } = (await token.view('storage_balance_bounds', {})) as { min: string };
    for (const account of [p.alice, p.proxy]) await p.owner.call(token, 'storage_deposit', { account_id: account.accountId }, { attachedDeposit: BigInt(min), gas: 50n * TGAS });
    await p.owner.call(token, 'mint', { account_id: p.alice.accountId, amount: '1000000' }, { attachedDeposit: 1n, gas: 50n * TGAS });
    tokens.push(token);
  }
  const [a, b] = tokens as [NearAccount, NearAccount];
  const balance = async (token: NearAccount, account: NearAccount) => token.view('ft_balance_of', { account_id: account.accountId });
  await p.owner.call(p.proxy, 'set_config', { config: { fee_token: a.accountId, fee_token_amount: '1000' } }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await p.alice.call(a, 'ft_transfer_call', { receiver_id: p.proxy.accountId, amount: '300000', msg: 'fee' }, { attachedDeposit: 1n, gas: 150n * TGAS });
  // The fee token becomes b (say, 1 b = 1000 a): alice's 300000 a stay 300000 a.
  await p.owner.call(p.proxy, 'set_config', { config: { fee_token: b.accountId, fee_token_amount: '1' } }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.is(await p.proxy.view('fee_balance_of', { account_id: p.alice.accountId }), '0', 'nothing in the new fee token');
  t.deepEqual(await p.proxy.view('prepaid_fees_of', { account_id: p.alice.accountId }), { token: a.accountId, balance: '300000' });
  await refused(t, p, p.alice, { path: 'p', payload_v2: { Ecdsa: '45'.repeat(32) } }, 'ChainSignaturesProxy: prepaid token fee balance 0 is below the fee 1; top up with ft_transfer_call', 1n);
  // Prepaying in b while holding a is refused, and b refunds the transfer.
  const switched = await p.alice.callRaw(b, 'ft_transfer_call', { receiver_id: p.proxy.accountId, amount: '5', msg: 'fee' }, { attachedDeposit: 1n, gas: 150n * TGAS });
  t.true(switched.receiptFailureMessagesContain(`Smart contract panicked: ChainSignaturesProxy: ${p.alice.accountId} holds prepaid fees in ${a.accountId}; withdraw them with withdraw_prepaid_fees first`));
  t.is(await balance(b, p.alice), '1000000');
  // A function-call key cannot withdraw (1 yoctoNEAR); alice's wallet can.
  const key = await addFunctionCallKey(p.alice, p.proxy.accountId);
  const byKey = await p.alice.callRaw(p.proxy, 'withdraw_prepaid_fees', {}, { gas: 100n * TGAS, signWithKey: key });
  t.true(byKey.receiptFailureMessagesContain('Smart contract panicked: Guard: requires an attached deposit of exactly 1 yoctoNEAR'));
  const back = await p.alice.callRaw(p.proxy, 'withdraw_prepaid_fees', {}, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.is(back.parseResult<boolean>(), true);
  t.is(await balance(a, p.alice), '1000000', 'every a came back');
  t.is(await balance(a, p.proxy), '0');
  await p.alice.call(b, 'ft_transfer_call', { receiver_id: p.proxy.accountId, amount: '5', msg: 'fee' }, { attachedDeposit: 1n, gas: 150n * TGAS });
  t.deepEqual(await p.proxy.view('prepaid_fees_of', { account_id: p.alice.accountId }), { token: b.accountId, balance: '5' });
  const nothing = await p.alice.callRaw(p.proxy, 'withdraw_token_fees', { token: a.accountId }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.true(nothing.receiptFailureMessagesContain('Smart contract panicked: Ownable: caller is not the owner'));
});

test('users pay for their records: a first request attaches its usage record storage (sign_deposit) unless prepaid with storage_deposit', async (t) => {
  const p = await deployProxy(t);
  const carol = await createAccount(t, 'carol', 200n * NEAR);
  const needed = BigInt((await p.proxy.view('sign_deposit', { account_id: carol.accountId })) as string);
  const recordCost = needed - 1n - FEE;
  t.true(recordCost > 100n * 10n ** 19n && recordCost < 400n * 10n ** 19n, `usage record storage ${recordCost}`);
  t.is(await p.proxy.view('sign_deposit', { account_id: p.alice.accountId }), (1n + FEE).toString(), 'alice prepaid her storage');
  await refused(t, p, carol, { path: 'p', payload_v2: { Ecdsa: '46'.repeat(32) } }, `ChainSignaturesProxy: a first request stores your usage record: attach ${needed} yoctoNEAR (or prepay ${recordCost} with storage_deposit); see sign_deposit`);
  const before = await carol.availableBalance();
  successValue<SignatureResponse>(await requestThroughProxy(t, p, carol, { path: 'p', payload_v2: { Ecdsa: '46'.repeat(32) } }, needed + NEAR));
  const spent = before - (await carol.availableBalance());
  t.true(spent >= FEE + recordCost && spent < FEE + recordCost + NEAR / 100n, `carol paid the fee and the record, the rest came back: ${spent}`);
  t.is(await p.proxy.view('sign_deposit', { account_id: carol.accountId }), (1n + FEE).toString());
  // carol paid with her deposit, so she has no storage balance to withdraw.
  const direct = await carol.callRaw(p.proxy, 'storage_withdraw', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(direct.receiptFailureMessagesContain('Smart contract panicked: StorageBalance: account has no storage balance; call storage_deposit first'));
});

/** Sends `sign` without waiting for its outcome (it yields until a respond or the timeout). */
async function sendSign(t: ExecutionContext<Context>, user: NearAccount, signer: NearAccount, request: Record<string, unknown>) {
  return user.callRaw(signer, 'sign', { request }, { attachedDeposit: 1n, gas: 100n * TGAS });
}

// near/mpc crates/contract/src/api/sign.rs test sign__should_queue_duplicate_requests_and_drain_all_on_respond;
// pending_requests.rs resolve_yields_for; errors.rs RespondError and InvalidParameters::RequestNotFound.
test('two identical requests are answered by one respond; a wrong signature or scheme is refused and resumes nobody', async (t) => {
  const participant = await createAccount(t, 'manual', 100n * NEAR);
  const signer = await deploySigner(t, [participant.accountId]);
  const user = await createAccount(t, 'direct', 200n * NEAR);
  const payload = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  const args = { path: 'dup', payload_v2: { Ecdsa: hex(payload) }, domain_id: 0 };
  const first = await sendSign(t, user, signer, args);
  const second = await sendSign(t, user, signer, args);
  const request = signatureRequest(user.accountId, 'dup', args.payload_v2, 0);
  const pending = (await signer.view('get_pending_request', { request })) as { data_id: number[] } | null;
  t.is(pending?.data_id.length, 32, 'get_pending_request returns the oldest yield: {data_id: [32 bytes]}');

  // A signature by another path's key is refused and nothing is resumed. Each respond is sent once the previous
  // one's gas refund ran (settled): at 77 a 300 Tgas call prepays ~50 NEAR, and the participant holds 100.
  const wrong = await participant.callRaw(signer, 'respond', { request, response: signEcdsa(payload, user.accountId, 'other') }, { gas: 300n * TGAS });
  t.is(panicMessage(wrong), 'The provided signature is invalid.');
  await settled(t.context.worker, wrong);
  const otherScheme = await participant.callRaw(signer, 'respond', { request, response: signEddsa(payload, user.accountId, 'dup') }, { gas: 300n * TGAS });
  t.true(panicMessage(otherScheme).startsWith('The provided signature scheme does not match. MPC response: Ed25519 { signature: Ed25519Signature(['), panicMessage(otherScheme));
  t.deepEqual(await signer.view('get_pending_request', { request }), pending, 'refused responses leave the request pending');
  await settled(t.context.worker, otherScheme);

  const right = signEcdsa(payload, user.accountId, 'dup');
  const answered = await participant.callRaw(signer, 'respond', { request, response: right }, { gas: 300n * TGAS });
  t.true(answered.succeeded);
  t.is(answered.parseResult<string>(), '', 'respond returns nothing, as near/mpc\'s Result<(), Error>');
  for (const sent of [first, second]) {
    t.deepEqual(successValue<SignatureResponse>(await finalOutcome(t, sent.result.transaction.hash, user.accountId)), right);
  }
  t.is(await signer.view('get_pending_request', { request }), null);
  await settled(t.context.worker, answered);
  const again = await participant.callRaw(signer, 'respond', { request, response: right }, { gas: 300n * TGAS });
  t.is(panicMessage(again), 'This sign request has timed out, was completed, or never existed.');
});

// near/mpc crates/contract/src/api/authorization.rs assert_caller_is_attested_participant_and_protocol_active
// (assert_matches! on TeeState::is_caller_an_attested_participant: Err(CallerNotParticipant)). The real
// message is prefixed by near-sdk's panic hook with the Rust source location ("panicked at …:\n").
test('attack: a non-participant\'s respond, even with a valid signature, fails with near/mpc\'s message and answers nobody', async (t) => {
  const participant = await createAccount(t, 'manual', 100n * NEAR);
  const signer = await deploySigner(t, [participant.accountId]);
  const user = await createAccount(t, 'direct', 200n * NEAR);
  const attacker = await createAccount(t, 'attacker', 100n * NEAR);
  const args = { path: 'victim', payload_v2: { Ecdsa: '5e'.repeat(32) }, domain_id: 0 };
  const sent = await sendSign(t, user, signer, args);
  const request = signatureRequest(user.accountId, 'victim', args.payload_v2, 0);
  // The attacker holds the (public) test keys, so its signatures are valid; only the caller rule stops it.
  const valid = signEcdsa(Buffer.from(args.payload_v2.Ecdsa, 'hex'), user.accountId, 'victim');
  for (const response of [valid, signEcdsa(Buffer.from(args.payload_v2.Ecdsa, 'hex'), attacker.accountId, 'victim')]) {
    const attempt = await attacker.callRaw(signer, 'respond', { request, response }, { gas: 300n * TGAS });
    t.is(panicMessage(attempt), 'assertion failed: `Err(CallerNotParticipant)` does not match `Ok(())`: Caller must be an attested participant');
    await settled(t.context.worker, attempt); // the next 300 Tgas call prepays ~50 NEAR at 77, of the attacker's 100
  }
  // The participant's own respond, relayed by someone else (a NEP-366 delegate action): the receipt's
  // predecessor is the participant but its signer the relayer, and near/mpc refuses any respond not
  // sent from the participant's own account (authorization.rs assert_caller_is_signer, an assert_eq!).
  const provider = new JsonRpcProvider({ url: rpcUrl(t.context.worker) });
  const participantKey = KeyPair.fromString((await participant.getKey())!.toString() as KeyPairString);
  const accessKey = await provider.viewAccessKey({ accountId: participant.accountId, publicKey: participantKey.getPublicKey().toString() });
  const head = await provider.viewBlock({ finality: 'optimistic' });
  const { signedDelegate } = await new KeyPairSigner(participantKey).signDelegateAction(buildDelegateAction({
    senderId: participant.accountId,
    receiverId: signer.accountId,
    actions: [actions.functionCall('respond', { request, response: valid }, 200n * TGAS, 0n)],
    nonce: BigInt(accessKey.nonce) + 1n,
    maxBlockHeight: BigInt(head.header.height) + 100n,
    publicKey: participantKey.getPublicKey(),
  }));
  const relayerAccount = new Account(attacker.accountId, provider, (await attacker.getKey())!.toString() as KeyPairString);
  const relayed = (await relayerAccount.signAndSendTransaction({ receiverId: participant.accountId, actions: [actions.signedDelegate(signedDelegate)], throwOnFailure: false })) as unknown as Outcome;
  t.deepEqual(failures(relayed), [
    `Smart contract panicked: assertion \`left == right\` failed: Caller must be the signer account (signer: ${attacker.accountId}, predecessor: ${participant.accountId})\n  left: AccountId("${attacker.accountId}")\n right: AccountId("${participant.accountId}")`,
  ]);
  // near-sdk-rs: respond is not #[payable].
  const paid = await participant.callRaw(signer, 'respond', { request, response: valid }, { gas: 300n * TGAS, attachedDeposit: 1n });
  t.is(panicMessage(paid), "Method respond doesn't accept deposit");
  await settled(t.context.worker, paid);
  t.not(await signer.view('get_pending_request', { request }), null, 'still pending');
  await participant.call(signer, 'respond', { request, response: valid }, { gas: 300n * TGAS });
  t.deepEqual(successValue<SignatureResponse>(await finalOutcome(t, sent.result.transaction.hash, user.accountId)), valid);
  // The callback and fail_on_timeout are private (near-sdk-rs #[private]).
  const callback = await attacker.callRaw(signer, 'return_signature_and_clean_state_on_success', [request] as never, { gas: 50n * TGAS });
  t.is(panicMessage(callback), 'Method return_signature_and_clean_state_on_success is private');
  t.is(panicMessage(await attacker.callRaw(signer, 'fail_on_timeout', {}, { gas: 50n * TGAS })), 'Method fail_on_timeout is private');
});
