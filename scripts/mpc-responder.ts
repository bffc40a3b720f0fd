/**
 * The off-chain responder of the MPC signer test double: polls `list_pending_requests`, signs
 * each request with the key derived for its predecessor and path (the MPC network's job, done
 * here with fixed test root keys) and calls `respond`. Used by the tests and by `npm run sandbox`.
 *
 *   npx tsx scripts/mpc-responder.ts --rpc http://127.0.0.1:3030 --contract signer.test.near \
 *     --account responder.test.near --key ed25519:…
 */
import { Account, JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { signEcdsa, signEddsa, TEST_ROOT_KEYS, type TestRootKeys } from '../packages/chain-signatures/src/index.js';

const TGAS = 1_000_000_000_000n;

interface PendingRequest {
  request_key: string;
  request: { payload: { Ecdsa: string } | { Eddsa: string }; domain_id: number; predecessor: string; path: string };
  waiting: number;
}

export interface ResponderOptions {
  rpcUrl: string;
  contractId: string;
  accountId: string;
  privateKey: KeyPairString;
  intervalMs?: number;
  rootKeys?: TestRootKeys;
  onResponse?: (requestKey: string) => void;
  onError?: (error: Error) => void;
}

export interface Responder {
  /** Answers everything pending now; returns how many requests it answered. */
  poll(): Promise<number>;
  stop(): Promise<void>;
  readonly answered: number;
}

export function startResponder(options: ResponderOptions): Responder {
  const provider = new JsonRpcProvider({ url: options.rpcUrl });
  const account = new Account(options.accountId, provider, options.privateKey);
  let answered = 0;
  let stopped = false;
  let running: Promise<number> = Promise.resolve(0);

  async function answerAll(): Promise<number> {
    const pending = (await provider.callFunction({ contractId: options.contractId, method: 'list_pending_requests', args: { limit: 50 } })) as PendingRequest[];
    let count = 0;
    for (const { request_key, request } of pending) {
      const payload = 'Ecdsa' in request.payload ? request.payload.Ecdsa : request.payload.Eddsa;
      const bytes = Uint8Array.from(Buffer.from(payload, 'hex'));
      const response = request.domain_id === 0
        ? signEcdsa(bytes, request.predecessor, request.path, options.rootKeys ?? TEST_ROOT_KEYS)
        : signEddsa(bytes, request.predecessor, request.path, options.rootKeys ?? TEST_ROOT_KEYS);
      await account.callFunction({ contractId: options.contractId, methodName: 'respond', args: { request_key, response }, gas: 300n * TGAS });
      answered += 1;
      count += 1;
      options.onResponse?.(request_key);
    }
    return count;
  }

  const poll = () => (running = running.then(answerAll, answerAll));
  const timer = setInterval(() => {
    if (!stopped) poll().catch((error: Error) => options.onError?.(error));
  }, options.intervalMs ?? 200);

  return {
    poll,
    get answered() {
      return answered;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => 0);
    },
  };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rpcUrl, contractId, accountId, privateKey] = ['rpc', 'contract', 'account', 'key'].map(argument);
  if (!rpcUrl || !contractId || !accountId || !privateKey) {
    console.error('usage: mpc-responder --rpc URL --contract SIGNER_ID --account RESPONDER_ID --key ed25519:…');
    process.exit(2);
  }
  const responder = startResponder({
    rpcUrl,
    contractId,
    accountId,
    privateKey: privateKey as KeyPairString,
    onResponse: (key) => console.log(`answered ${key}`),
    onError: (error) => console.error(`responder: ${error.message}`),
  });
  console.log(`mpc-responder answering ${contractId} as ${accountId}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void responder.stop().then(() => process.exit(0)));
}
