import test from 'ava';
import { parseTransaction, recoverTransactionAddress, parseEther, type Hex } from 'viem';
import * as bitcoin from 'bitcoinjs-lib';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  assembleBitcoinTransaction,
  assembleEthereumTransaction,
  assembleSolanaTransaction,
  bitcoinP2wpkhAddress,
  bitcoinSigningPayloads,
  deriveEd25519PublicKey,
  deriveSecp256k1PublicKey,
  deriveTweak,
  ecdsaFromResponse,
  ethereumAddress,
  ethereumSigningPayload,
  rootPublicKeys,
  signEcdsa,
  signEddsa,
  solanaAddress,
  solanaSigningPayload,
  solanaTransferTransaction,
  MalformedSignatureResponseError,
  proxyDerivationPath,
  proxySignArgs,
  proxyUserAddresses,
  InvalidUserPathError,
  SIGNER_ACCOUNTS,
  eddsaFromResponse,
  signatureRequest,
  signatureRequestFromSignArgs,
  signRequest,
  InvalidSignRequestError,
} from '../src/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const roots = rootPublicKeys();
const proxy = 'proxy.test.near';
const path = 'alice.test.near,eth-1';

test('tweak matches the near/mpc kdf snapshot vector (crates/near-mpc-crypto-types kdf tests)', (t) => {
  t.is(hex(deriveTweak('dwefqwg', 'frwewegwegweg')), 'ad2d6fc1f445a1b43830415e7e6e3d03cd077673047848a085f130c24f53ee00');
  t.true(hex(deriveTweak('dwefqwg', 'fwei2.3f230')).startsWith('5f76eba48a20e3dd'));
});

test('derived keys differ per predecessor and per path', (t) => {
  const a = hex(deriveSecp256k1PublicKey(roots.secp256k1, proxy, path));
  t.not(a, hex(deriveSecp256k1PublicKey(roots.secp256k1, 'other.test.near', path)));
  t.not(a, hex(deriveSecp256k1PublicKey(roots.secp256k1, proxy, 'alice.test.near,eth-2')));
  t.is(a, hex(deriveSecp256k1PublicKey(roots.secp256k1, proxy, path)));
});

test('an EIP-1559 transaction signed with the derived key recovers to the derived address (viem)', async (t) => {
  const key = deriveSecp256k1PublicKey(roots.secp256k1, proxy, path);
  const address = ethereumAddress(key);
  const tx = { chainId: 11155111, nonce: 0, to: '0x000000000000000000000000000000000000dEaD' as Hex, value: parseEther('0.01'), gas: 21000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  const response = signEcdsa(ethereumSigningPayload(tx), proxy, path);
  const raw = assembleEthereumTransaction(tx, response);
  t.true(raw.startsWith('0x02'));
  t.is(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` }), address);
  t.is(parseTransaction(raw).value, parseEther('0.01'));
});

test('a signature from another path does not recover to the derived address', async (t) => {
  const address = ethereumAddress(deriveSecp256k1PublicKey(roots.secp256k1, proxy, path));
  const tx = { chainId: 1, nonce: 3, to: '0x000000000000000000000000000000000000dEaD' as Hex, value: 1n, gas: 21000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n };
  const raw = assembleEthereumTransaction(tx, signEcdsa(ethereumSigningPayload(tx), proxy, 'mallory.test.near,eth-1'));
  t.not(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` }), address);
});

test('a P2WPKH spend signed per input validates (bitcoinjs-lib witness, BIP-143 sighash)', (t) => {
  const key = deriveSecp256k1PublicKey(roots.secp256k1, proxy, 'alice.test.near,btc');
  const address = bitcoinP2wpkhAddress(key, 'testnet');
  t.regex(address, /^tb1q/);
  const spend = {
    publicKeyXY: key,
    network: 'testnet' as const,
    inputs: [
      { txid: 'aa'.repeat(32), vout: 0, value: 50_000n },
      { txid: 'bb'.repeat(32), vout: 1, value: 20_000n },
    ],
    outputs: [{ address, value: 69_000n }],
  };
  const payloads = bitcoinSigningPayloads(spend);
  const responses = payloads.map((p) => signEcdsa(p, proxy, 'alice.test.near,btc'));
  const txHex = assembleBitcoinTransaction(spend, responses);
  const tx = bitcoin.Transaction.fromHex(txHex);
  t.is(tx.ins.length, 2);
  t.is(tx.ins[0].witness.length, 2);
  t.is(hex(tx.ins[0].witness[1]), hex(secp256k1.Point.fromBytes(Uint8Array.of(4, ...key)).toBytes(true)));
  t.throws(() => assembleBitcoinTransaction(spend, [responses[1], responses[0]]), { message: /input 0 does not verify/ });
});

test('a Solana transfer message verifies with ed25519 against the derived Solana address', (t) => {
  const key = deriveEd25519PublicKey(roots.ed25519, proxy, 'alice.test.near,sol');
  const tx = solanaTransferTransaction({ from: key, to: solanaAddress(new Uint8Array(32).fill(9)), lamports: 1000n, recentBlockhash: '11111111111111111111111111111111' });
  const message = solanaSigningPayload(tx);
  const response = signEddsa(message, proxy, 'alice.test.near,sol');
  t.true(ed25519.verify(Uint8Array.from(response.signature), message, key));
  const wire = assembleSolanaTransaction(tx, response);
  t.true(wire.length > message.length);
  const wrong = signEddsa(message, proxy, 'bob.test.near,sol');
  t.throws(() => assembleSolanaTransaction(solanaTransferTransaction({ from: key, to: solanaAddress(new Uint8Array(32).fill(9)), lamports: 1000n, recentBlockhash: '11111111111111111111111111111111' }), wrong), { message: /does not verify/ });
});

test('malformed responses are refused with a clear error', (t) => {
  t.throws(() => ecdsaFromResponse({ scheme: 'Secp256k1', big_r: { affine_point: '04ab' }, s: { scalar: '00' }, recovery_id: 0 }), { instanceOf: MalformedSignatureResponseError, message: /big_r/ });
  t.throws(() => ecdsaFromResponse({ scheme: 'Ed25519', signature: [] }), { instanceOf: MalformedSignatureResponseError });
});

test('proxy helpers: namespaced path with the contract\'s rule, sign args, per-user addresses', (t) => {
  t.is(proxyDerivationPath('alice.test.near', 'eth-1'), 'alice.test.near,eth-1');
  t.throws(() => proxyDerivationPath('alice.test.near', 'eth,1'), { instanceOf: InvalidUserPathError, message: /separator ","/ });
  t.throws(() => proxyDerivationPath('alice.test.near', 'a b'), { instanceOf: InvalidUserPathError, message: /printable ASCII/ });
  t.deepEqual(proxySignArgs('eth-1', new Uint8Array(32).fill(7), 'secp256k1'), { path: 'eth-1', payload_v2: { Ecdsa: '07'.repeat(32) }, domain_id: 0 });
  t.deepEqual(proxySignArgs('sol', new Uint8Array(40).fill(1), 'ed25519'), { path: 'sol', payload_v2: { Eddsa: '01'.repeat(40) }, domain_id: 1 });
  t.throws(() => proxySignArgs('eth-1', new Uint8Array(31), 'secp256k1'), { message: /32-byte prehash/ });
  const alice = proxyUserAddresses(roots, proxy, 'alice.test.near', 'eth-1');
  const bob = proxyUserAddresses(roots, proxy, 'bob.test.near', 'eth-1');
  t.is(alice.ethereum, ethereumAddress(deriveSecp256k1PublicKey(roots.secp256k1, proxy, 'alice.test.near,eth-1')));
  t.is(alice.solana, solanaAddress(deriveEd25519PublicKey(roots.ed25519, proxy, 'alice.test.near,eth-1')));
  t.regex(alice.bitcoin, /^tb1q/);
  t.not(alice.ethereum, bob.ethereum);
  t.not(alice.bitcoin, bob.bitcoin);
  t.not(alice.solana, bob.solana);
  t.is(SIGNER_ACCOUNTS.mainnet, 'v1.signer');
});

// near/mpc crates/near-mpc-crypto-types/src/sign.rs (SignatureRequest::new, SignRequestArgsCompat tests
// deserialize__should_parse_legacy_v1_format_with_raw_payload_and_key_version, __should_accept_mixed_payload_v2_with_key_version).
test('the stored request of a sign call: current and legacy arguments give the same request, and signRequest signs it with the derived key', (t) => {
  const payload = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
  const current = signatureRequestFromSignArgs('alice.near', { request: { path: 'eth-1', payload_v2: { Ecdsa: Buffer.from(payload).toString('hex').toUpperCase() }, domain_id: 0 } });
  const legacy = signatureRequestFromSignArgs('alice.near', { request: { path: 'eth-1', payload: Array.from(payload), key_version: 0 } });
  t.deepEqual(current, legacy);
  t.deepEqual(current, { tweak: Array.from(deriveTweak('alice.near', 'eth-1')), payload: { Ecdsa: Buffer.from(payload).toString('hex') }, domain_id: 0 });
  const response = signRequest(current);
  t.deepEqual(response, signEcdsa(payload, 'alice.near', 'eth-1'));
  const ed = signRequest(signatureRequest('alice.near', 'sol-1', { Eddsa: '0a0b0c' }, 1));
  t.true(ed25519.verify(eddsaFromResponse(ed), Uint8Array.of(10, 11, 12), deriveEd25519PublicKey(rootPublicKeys().ed25519, 'alice.near', 'sol-1')));
  t.throws(() => signatureRequestFromSignArgs('alice.near', { request: { path: 'p', payload_v2: { Ecdsa: 'ab' }, domain_id: 0 } }), { instanceOf: InvalidSignRequestError });
  t.throws(() => signatureRequestFromSignArgs('alice.near', { request: { path: 'p', payload_v2: { Ecdsa: 'ab'.repeat(32) } } }), { message: /domain_id/ });
});
