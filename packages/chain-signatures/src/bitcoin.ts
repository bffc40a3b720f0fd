/**
 * Bitcoin through chain signatures: the derived key's P2WPKH address, the BIP-143 sighash of each
 * input of an unsigned spend, and the finalized transaction assembled from the signer's
 * responses. Built on bitcoinjs-lib; signatures are checked with @noble/curves.
 */
import * as bitcoin from 'bitcoinjs-lib';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ecdsaFromResponse, type SignatureResponse } from './response.js';

export type BitcoinNetwork = 'bitcoin' | 'testnet' | 'regtest';

function network(name: BitcoinNetwork): bitcoin.Network {
  return name === 'bitcoin' ? bitcoin.networks.bitcoin : name === 'testnet' ? bitcoin.networks.testnet : bitcoin.networks.regtest;
}

/** 33-byte compressed key from the signer's 64-byte x‖y. */
export function compressPublicKey(publicKeyXY: Uint8Array): Uint8Array {
  return secp256k1.Point.fromBytes(Uint8Array.of(4, ...publicKeyXY)).toBytes(true);
}

export function bitcoinP2wpkhAddress(publicKeyXY: Uint8Array, net: BitcoinNetwork = 'testnet'): string {
  const { address } = bitcoin.payments.p2wpkh({ pubkey: compressPublicKey(publicKeyXY), network: network(net) });
  return address!;
}

export interface Utxo {
  txid: string;
  vout: number;
  value: bigint;
}

export interface BitcoinSpend {
  publicKeyXY: Uint8Array;
  inputs: Utxo[];
  outputs: { address: string; value: bigint }[];
  network?: BitcoinNetwork;
}

function unsignedTransaction(spend: BitcoinSpend): bitcoin.Transaction {
  const net = network(spend.network ?? 'testnet');
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  for (const input of spend.inputs) tx.addInput(Uint8Array.from(Buffer.from(input.txid, 'hex').reverse()), input.vout);
  for (const output of spend.outputs) tx.addOutput(bitcoin.address.toOutputScript(output.address, net), output.value);
  return tx;
}

/** Per input, the 32-byte BIP-143 sighash the signer signs (`payload_v2.Ecdsa`). */
export function bitcoinSigningPayloads(spend: BitcoinSpend): Uint8Array[] {
  const tx = unsignedTransaction(spend);
  // BIP-143: a P2WPKH input signs with the P2PKH script of its key hash as script code.
  const scriptCode = bitcoin.payments.p2pkh({ pubkey: compressPublicKey(spend.publicKeyXY) }).output!;
  return spend.inputs.map((input, index) =>
    Uint8Array.from(tx.hashForWitnessV0(index, scriptCode, input.value, bitcoin.Transaction.SIGHASH_ALL)),
  );
}

/** Adds one signature per input as its witness, checks each, and returns the transaction hex. */
export function assembleBitcoinTransaction(spend: BitcoinSpend, responses: SignatureResponse[]): string {
  if (responses.length !== spend.inputs.length) throw new Error(`Expected ${spend.inputs.length} signatures, one per input, got ${responses.length}`);
  const tx = unsignedTransaction(spend);
  const payloads = bitcoinSigningPayloads(spend);
  const pubkey = compressPublicKey(spend.publicKeyXY);
  responses.forEach((response, index) => {
    const { r, s } = ecdsaFromResponse(response);
    const compact = new secp256k1.Signature(r, s).toBytes('compact');
    if (!secp256k1.verify(compact, payloads[index], pubkey, { prehash: false })) {
      throw new Error(`The signature of input ${index} does not verify against the derived key`);
    }
    tx.setWitness(index, [bitcoin.script.signature.encode(compact, bitcoin.Transaction.SIGHASH_ALL), pubkey]);
  });
  return tx.toHex();
}
