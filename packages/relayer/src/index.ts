export { createRelayer, innerStatus, type Relayer, type RelayerConfig, type Accepted, type RelayStatus, type InnerStatus, type RelayerEvent } from './relayer.js';
export { startRelayerServer, corsHeaders, type RelayerServer, type CorsOrigins } from './server.js';
export { checkPolicy, type RelayPolicy, type PreCheck } from './policy.js';
export { type AllowancePolicy } from './allowance.js';
export { localStore, type RelayerStore, type Budget } from './store.js';
export { redisStore, type RedisStoreOptions } from './redis-store.js';
export { derivePoolKey } from './key-pool.js';
export { decodeSignedDelegate, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
export { RelayError, type RelayErrorCode } from './errors.js';
