/**
 * An MPC participant for local chains: it follows the chain as MPC nodes do (their indexer reads
 * every `sign` receipt to the signer contract), turns each request into the `SignatureRequest` the
 * contract stored (tweak of the receipt's predecessor and path, payload, domain), checks that it is
 * still pending (`get_pending_request`), signs it with the derived test key (the MPC network's job,
 * done here with fixed public test root keys) and calls `respond({request, response})` from its own
 * account. It uses only the real signer's interface (near/mpc 3.14.1 `api/sign.rs`), so it answers
 * the signer double (contracts/mpc-signer-double) and a real signer contract deployed with this
 * account as an attested test participant and TEST_ROOT_KEYS' public keys alike.
 *
 *   npx tsx scripts/mpc-responder.ts --rpc http://127.0.0.1:3030 --contract signer.test.near \
 *     --account participant.test.near --key ed25519:…
 */
import { Account, JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { signatureRequestFromSignArgs, signRequest, TEST_ROOT_KEYS, type SignatureRequest, type TestRootKeys } from '../packages/chain-signatures/src/index.js';

const TGAS = 1_000_000_000_000n;
/** NEP-519: a yield times out 200 blocks after `sign`; older requests cannot be answered. */
const YIELD_TIMEOUT_BLOCKS = 200;
const CHUNK_READS_AT_ONCE = 32;

export interface ResponderOptions {
  rpcUrl: string;
  contractId: string;
  /** The participant account; it signs its own `respond` transactions. */
  accountId: string;
  privateKey: KeyPairString;
  intervalMs?: number;
  rootKeys?: TestRootKeys;
  /** First block to read (default: the head minus the yield timeout, so requests still pending at start are answered). */
  fromBlock?: number;
  onResponse?: (request: SignatureRequest) => void;
  onError?: (error: Error) => void;
}

export interface Responder {
  /** Reads the blocks produced since the last poll and answers their pending requests; returns how many it answered. */
  poll(): Promise<number>;
  stop(): Promise<void>;
  readonly answered: number;
}

interface ChunkReceipt {
  predecessor_id: string;
  receiver_id: string;
  receipt: { Action?: { actions: Array<{ FunctionCall?: { method_name: string; args: string } } | string> } };
}

/**
 * A height without a block (nearcore skips heights: doomslug skips, sandbox fast-forward jumps). near-api-js 7
 * reports UNKNOWN_BLOCK with its own text ("Block either has never been observed on the node or has been
 * garbage collected") and the cause name as the error's `type`.
 */
function isMissingBlock(error: unknown): boolean {
  const type = (error as { type?: unknown })?.type;
  if (type === 'UNKNOWN_BLOCK' || type === 'UNKNOWN_CHUNK') return true;
  return /UNKNOWN_BLOCK|UNKNOWN_CHUNK|DB Not Found|not found|never been observed/i.test(String((error as Error)?.message ?? error));
}

export function startResponder(options: ResponderOptions): Responder {
  const provider = new JsonRpcProvider({ url: options.rpcUrl });
  const account = new Account(options.accountId, provider, options.privateKey);
  const rpc = provider as unknown as { sendJsonRpc<T>(method: string, params: object): Promise<T> };
  let nextHeight: number | undefined = options.fromBlock;
  let answered = 0;
  let stopped = false;
  let running: Promise<number> = Promise.resolve(0);

  /** The receipts applied in block `height` (none for a height without a block). */
  async function receiptsAt(height: number): Promise<ChunkReceipt[]> {
    try {
      // The object form of nearcore's chunk request: near-api-js' viewChunk sends the positional
      // [[height, shard]], which this repository's node does not parse yet.
      return (await rpc.sendJsonRpc<{ receipts: ChunkReceipt[] }>('chunk', { block_id: height, shard_id: 0 })).receipts;
    } catch (error) {
      if (isMissingBlock(error)) return [];
      throw error;
    }
  }

  /**
   * The requests of every `sign` receipt to the contract in blocks [nextHeight, head]. Blocks are
   * read CHUNK_READS_AT_ONCE at a time: tests make blocks quickly (every poll of a waiting
   * transaction makes one), and a request must be answered within 200 of them.
   */
  async function newRequests(): Promise<SignatureRequest[]> {
    const head = (await provider.viewBlock({ finality: 'optimistic' })).header.height;
    let from = nextHeight ?? Math.max(0, head - YIELD_TIMEOUT_BLOCKS);
    const requests: SignatureRequest[] = [];
    while (from <= head) {
      const heights = Array.from({ length: Math.min(CHUNK_READS_AT_ONCE, head - from + 1) }, (_, i) => from + i);
      for (const receipts of await Promise.all(heights.map(receiptsAt))) {
        for (const receipt of receipts) {
          if (receipt.receiver_id !== options.contractId) continue;
          for (const action of receipt.receipt.Action?.actions ?? []) {
            const call = typeof action === 'object' ? action.FunctionCall : undefined;
            if (call?.method_name !== 'sign') continue;
            try {
              requests.push(signatureRequestFromSignArgs(receipt.predecessor_id, JSON.parse(Buffer.from(call.args, 'base64').toString('utf8'))));
            } catch {
              // arguments the contract itself refused: nothing is pending
            }
          }
        }
      }
      from += heights.length;
      nextHeight = from;
    }
    return requests;
  }

  async function answerAll(): Promise<number> {
    let count = 0;
    const seen = new Set<string>();
    for (const request of await newRequests()) {
      const key = JSON.stringify(request);
      // Identical requests share one queue on the contract: one respond answers them all.
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const pending = await provider.callFunction({ contractId: options.contractId, method: 'get_pending_request', args: { request } });
        if (pending === null || pending === undefined) continue; // refused by sign, or already answered
        const response = signRequest(request, options.rootKeys ?? TEST_ROOT_KEYS);
        await account.callFunction({ contractId: options.contractId, methodName: 'respond', args: { request, response }, gas: 300n * TGAS });
        answered += 1;
        count += 1;
        options.onResponse?.(request);
      } catch (error) {
        // one request's failure (say, a domain this test signer has no key for) does not stop the others
        options.onError?.(error as Error);
      }
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
  const [rpcUrl, contractId, accountId, privateKey, from] = ['rpc', 'contract', 'account', 'key', 'from-block'].map(argument);
  if (!rpcUrl || !contractId || !accountId || !privateKey) {
    console.error('usage: mpc-responder --rpc URL --contract SIGNER_ID --account PARTICIPANT_ID --key ed25519:… [--from-block HEIGHT]');
    process.exit(2);
  }
  const responder = startResponder({
    rpcUrl,
    contractId,
    accountId,
    privateKey: privateKey as KeyPairString,
    ...(from === undefined ? {} : { fromBlock: Number(from) }),
    onResponse: (request) => console.log(`answered ${JSON.stringify(request)}`),
    onError: (error) => console.error(`responder: ${error.message}`),
  });
  console.log(`mpc-responder answering ${contractId} as ${accountId}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void responder.stop().then(() => process.exit(0)));
}
