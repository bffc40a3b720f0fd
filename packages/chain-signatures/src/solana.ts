/**
 * Solana through chain signatures: the derived ed25519 key is the Solana address; the signer
 * signs the serialized transaction message (`payload_v2: {Eddsa: hex}`, 32 to 1232 bytes).
 * Built on @solana/web3.js.
 */
import { PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import { eddsaFromResponse, type SignatureResponse } from './response.js';

export function solanaAddress(publicKey: Uint8Array): string {
  return new PublicKey(publicKey).toBase58();
}

export interface SolanaTransfer {
  from: Uint8Array;
  to: string;
  lamports: bigint;
  recentBlockhash: string;
}

export function solanaTransferTransaction(transfer: SolanaTransfer): Transaction {
  const from = new PublicKey(transfer.from);
  return new Transaction({ feePayer: from, recentBlockhash: transfer.recentBlockhash }).add(
    SystemProgram.transfer({ fromPubkey: from, toPubkey: new PublicKey(transfer.to), lamports: transfer.lamports }),
  );
}

/** The message bytes the signer signs. */
export function solanaSigningPayload(transaction: Transaction): Uint8Array {
  return Uint8Array.from(transaction.serializeMessage());
}

/** Adds the signer's signature, checks it, and returns the wire transaction. */
export function assembleSolanaTransaction(transaction: Transaction, response: SignatureResponse): Uint8Array {
  transaction.addSignature(transaction.feePayer!, Buffer.from(eddsaFromResponse(response)));
  if (!transaction.verifySignatures()) throw new Error('The Solana signature does not verify against the derived address');
  return Uint8Array.from(transaction.serialize());
}
