// npm run deploy: builds, then deploys build/hello.wasm to NEAR_ACCOUNT_ID on testnet (or NEAR_NETWORK=mainnet,
// or NEAR_RPC_URL for any node, e.g. http://127.0.0.1:3030 from `npx near-ts-sandbox run`).
// Keys: NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY (ed25519:…, a full-access key of that account).
import { readFileSync } from 'node:fs';
import { Account, JsonRpcProvider } from 'near-api-js';

const RPC = { testnet: 'https://rpc.testnet.near.org', mainnet: 'https://rpc.mainnet.near.org' };
const network = process.env.NEAR_NETWORK ?? 'testnet';
const url = process.env.NEAR_RPC_URL ?? RPC[network];
const { NEAR_ACCOUNT_ID: accountId, NEAR_PRIVATE_KEY: privateKey } = process.env;

if (!url) fail(`NEAR_NETWORK=${network} is not testnet or mainnet; set NEAR_RPC_URL for another node`);
if (!accountId || !privateKey?.startsWith('ed25519:')) {
  fail('set NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY (ed25519:…) to the account to deploy to and its full-access key');
}

const account = new Account(accountId, new JsonRpcProvider({ url }), privateKey);
const outcome = await account.deployContract(readFileSync('build/hello.wasm'));
console.log(`deployed build/hello.wasm to ${accountId} on ${process.env.NEAR_RPC_URL ?? network}: transaction ${outcome.transaction.hash}`);

function fail(message) {
  console.error(`deploy: ${message}`);
  process.exit(1);
}
