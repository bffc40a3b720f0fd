// bitcoinjs-lib and @solana/web3.js use Node's Buffer; only the chain-signatures page loads them.
import { Buffer } from 'buffer';

(globalThis as { Buffer?: typeof Buffer }).Buffer ??= Buffer;
