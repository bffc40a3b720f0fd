/**
 * The relayer's frequent reads from the node (the head and final blocks, access keys, a transaction's
 * outcome) as JSON-RPC posts over keep-alive node:http. near-api-js' JsonRpcProvider posts through
 * Node's fetch (undici), which takes no other transport and, measured here, costs about four times the
 * CPU of node:http per call (0.30 against 0.07 ms, a local server answering) and was the relayer's largest
 * cost under load (a fifth of its busy time in bench:relayer's CPU profile, with its garbage on top):
 * every relayed delegate's outcome is one of these reads, and the head, the final block and each active
 * sender's access key are read again every few blocks or seconds. Everything else (sending transactions,
 * whose typed refusals the key pool recovers from, views, the start's key list) stays with near-api-js.
 *
 * An error answered by the node is thrown as near-api-js' `RpcError` with the node's message (the
 * relayer refuses on it: an unknown access key); no answer, or an HTTP error status, as a plain
 * `Error` (the node is unavailable: the request is not the sender's fault).
 */
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RpcError } from 'near-api-js/rpc-errors';

export interface BlockHeader {
  height: number;
  hash: string;
  gas_price: string;
}

export interface AccessKeyView {
  nonce: bigint;
  permission: 'FullAccess' | { FunctionCall: { receiver_id: string; method_names: string[]; allowance?: string | null } };
}

export interface NodeReads {
  block(finality: 'optimistic' | 'final'): Promise<{ header: BlockHeader }>;
  accessKey(accountId: string, publicKey: string): Promise<AccessKeyView>;
  /** The transaction's outcome once executed (`tx` at EXECUTED_OPTIMISTIC), as the node answers it. */
  txStatus(txHash: string, senderAccountId: string): Promise<unknown>;
  close(): void;
}

/** What a JSON-RPC error answer says, in the node's words (nearcore: name, cause, data). */
function describe(error: { name?: string; cause?: { name?: string; info?: unknown }; message?: string; data?: unknown }): string {
  const cause = error.cause?.name ? `${error.cause.name}${error.cause.info ? ` ${JSON.stringify(error.cause.info)}` : ''}` : undefined;
  return [error.name, cause ?? (typeof error.data === 'string' ? error.data : error.message)].filter(Boolean).join(': ');
}

export function nodeReads(url: string): NodeReads {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new Agent({ keepAlive: true });
  const send = secure ? httpsRequest : request;
  let id = 0;

  const call = (method: string, params: unknown, retried = false): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: String(++id), method, params });
      const req = send(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200) return reject(new Error(`${method}: the node answered HTTP ${response.statusCode} ${text.slice(0, 200)}`));
          let answer: { result?: { error?: unknown }; error?: Parameters<typeof describe>[0] };
          try {
            answer = JSON.parse(text);
          } catch {
            return reject(new Error(`${method}: the node's answer is not JSON: ${text.slice(0, 200)}`));
          }
          if (answer.error !== undefined) return reject(new RpcError(`${method}: ${describe(answer.error)}`));
          // Older nodes answer a failed query inside the result (near-api-js reads it the same way).
          if (typeof answer.result?.error === 'string') return reject(new RpcError(`${method}: ${answer.result.error}`));
          resolve(answer.result);
        });
      });
      // A kept connection the node closed as it was reused: the request never reached it (Node's documented retry).
      req.on('error', (error: NodeJS.ErrnoException) => (req.reusedSocket && error.code === 'ECONNRESET' && !retried ? call(method, params, true).then(resolve, reject) : reject(error)));
      req.end(body);
    });

  return {
    block: (finality) => call('block', { finality }) as Promise<{ header: BlockHeader }>,
    async accessKey(accountId, publicKey) {
      const view = (await call('query', { request_type: 'view_access_key', finality: 'optimistic', account_id: accountId, public_key: publicKey })) as { nonce: number | string; permission: AccessKeyView['permission'] };
      return { nonce: BigInt(view.nonce), permission: view.permission };
    },
    txStatus: (txHash, senderAccountId) => call('tx', { tx_hash: txHash, sender_account_id: senderAccountId, wait_until: 'EXECUTED_OPTIMISTIC' }),
    close: () => agent.destroy(),
  };
}
