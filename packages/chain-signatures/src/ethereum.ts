/**
 * Ethereum through chain signatures: the derived secp256k1 key's address, an unsigned EIP-1559
 * transaction and its signing payload (keccak256 of the serialized unsigned transaction), and the
 * signed transaction assembled from the signer's response. Built on viem.
 */
import { keccak256, serializeTransaction, type TransactionSerializableEIP1559, type Hex, toHex, getAddress } from 'viem';
import { ecdsaFromResponse, type SignatureResponse } from './response.js';

/** Last 20 bytes of keccak256(x‖y) (near-ca `uncompressedHexPointToEvmAddress`). */
export function ethereumAddress(publicKeyXY: Uint8Array): Hex {
  if (publicKeyXY.length !== 64) throw new Error(`Expected a 64-byte x‖y public key, got ${publicKeyXY.length} bytes`);
  return getAddress(`0x${keccak256(publicKeyXY).slice(-40)}`);
}

export type UnsignedEip1559 = Omit<TransactionSerializableEIP1559, 'type'> & { chainId: number };

/** The 32-byte prehash the signer signs for this transaction (`payload_v2: {Ecdsa: hex}`). */
export function ethereumSigningPayload(transaction: UnsignedEip1559): Uint8Array {
  const hash = keccak256(serializeTransaction({ ...transaction, type: 'eip1559' }));
  return Uint8Array.from(Buffer.from(hash.slice(2), 'hex'));
}

/** The raw signed transaction (0x02…) ready for eth_sendRawTransaction. */
export function assembleEthereumTransaction(transaction: UnsignedEip1559, response: SignatureResponse): Hex {
  const { r, s, recoveryId } = ecdsaFromResponse(response);
  return serializeTransaction(
    { ...transaction, type: 'eip1559' },
    { r: toHex(r, { size: 32 }), s: toHex(s, { size: 32 }), yParity: recoveryId },
  );
}
