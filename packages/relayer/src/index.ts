export { createRelayer, innerStatus, type Relayer, type RelayerConfig, type RelayResult, type InnerStatus } from './relayer.js';
export { startRelayerServer, type RelayerServer } from './server.js';
export { checkPolicy, RateLimiter, type RelayPolicy, type PreCheck } from './policy.js';
export { type AllowancePolicy } from './allowance.js';
export { localStore, type RelayerStore, type Budget } from './store.js';
export { decodeSignedDelegate, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
export { RelayError, type RelayErrorCode } from './errors.js';
