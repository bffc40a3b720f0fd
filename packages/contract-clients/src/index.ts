/**
 * @near-ts/contract-clients: one typed client per contract of this repository, on near-api-js.
 *
 *   const token = stablecoin(account, 'usd.test.near');
 *   await token.ft_balance_of({ account_id: 'alice.test.near' });          // bigint
 *   const { gasBurnt } = await token.ft_transfer({ receiver_id, amount: 5_000_000n }); // 1 yoctoNEAR attached
 *
 * Method names and parameters are the contracts' own (checked against build/<name>.abi.json by
 * test/abi.test.ts). Views return the decoded value; calls return `CallResult` (value, gas, logs,
 * outcome) or throw `ContractCallError` with the contract's panic message.
 */
export {
  TGAS,
  NEAR,
  ONE_YOCTO,
  bindContract,
  encodeArgs,
  panicMessage,
  ContractCallError,
  MissingDepositError,
  MissingSignerError,
  TransactionTimeoutError,
  UnexpectedResultError,
  type Amount,
  type AnyMethod,
  type Bound,
  type CallMethod,
  type CallOptions,
  type CallResult,
  type ContractClient,
  type DepositRule,
  type MethodTable,
  type TransactionOutcome,
  type ViewMethod,
} from './contract.js';
export { stablecoin, stablecoinMethods, type StablecoinClient, type FungibleTokenMetadata, type StorageBalance, type Transfer, type StablecoinRole } from './stablecoin.js';
export { payout, payoutMethods, NEAR_POOL_TOKEN, type PayoutClient, type Pool, type Batch, type Allocation, type Claimable } from './payout.js';
export {
  taskMarketplace,
  taskMarketplaceMethods,
  commitmentOf,
  sealOf,
  sha256Hex,
  NEAR_TOKEN,
  type TaskMarketplaceClient,
  type Project,
  type NewProject,
  type NewItem,
  type Item,
  type ItemStatus,
  type Claim,
  type ClaimStatus,
  type Tasker,
  type ActiveClaim,
  type GoldStats,
  type Limits,
  type WindowLimits,
  type Ledger,
  type MarketplaceRole,
} from './task-marketplace.js';
export { chainSignaturesProxy, chainSignaturesProxyMethods, type ChainSignaturesProxyClient, type ProxyConfig, type ProxyConfigInput, type SignPayload, type Usage } from './chain-signatures-proxy.js';
export { mpcSignerDouble, mpcSignerDoubleMethods, type MpcSignerDoubleClient, type SignRequest } from './mpc-signer-double.js';

import { stablecoinMethods } from './stablecoin.js';
import { payoutMethods } from './payout.js';
import { taskMarketplaceMethods } from './task-marketplace.js';
import { chainSignaturesProxyMethods } from './chain-signatures-proxy.js';
import { mpcSignerDoubleMethods } from './mpc-signer-double.js';

/** Every client's method table by contract name (the folder under contracts/ and the build output name). */
export const METHOD_TABLES = {
  stablecoin: stablecoinMethods,
  payout: payoutMethods,
  'task-marketplace': taskMarketplaceMethods,
  'chain-signatures-proxy': chainSignaturesProxyMethods,
  'mpc-signer-double': mpcSignerDoubleMethods,
} as const;
