export { createRelayer, innerStatus, type Relayer, type RelayerConfig, type RelayResult, type InnerStatus } from './relayer.js';
export { startRelayerServer, type RelayerServer } from './server.js';
export { checkPolicy, RateLimiter, type RelayPolicy } from './policy.js';
export { decodeSignedDelegate, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
export { RelayError, type RelayErrorCode } from './errors.js';
