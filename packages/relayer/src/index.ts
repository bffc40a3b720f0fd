export { createRelayer, type Relayer, type RelayerConfig, type RelayResult } from './relayer.js';
export { startRelayerServer, type RelayerServer } from './server.js';
export { checkPolicy, RateLimiter, type RelayPolicy } from './policy.js';
export { decodeSignedDelegate, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
export { RelayError, type RelayErrorCode } from './errors.js';
