export * from './derivation.js';
export * from './response.js';
export * from './request.js';
export * from './ethereum.js';
export * from './bitcoin.js';
export * from './solana.js';
export * from './test-signer.js';
export * from './proxy.js';
