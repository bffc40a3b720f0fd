import { Agent, request } from 'node:http';

/**
 * The load generators' HTTP (bench:relayer, bench:relayer-cpu): keep-alive connections through
 * node:http. It shares the machine with the relayer it measures, and fetch costs it several times more
 * CPU per request, which every relayer answer would then wait behind before the generator reads it.
 */
// Idle connections closed before the relayer's (Node's 5 s keepAliveTimeout) would close them.
const agent = new Agent({ keepAlive: true, timeout: 4_000 });
export function httpJson(url: string, body?: string, retried = false): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (error) {
          reject(error);
        }
      });
    });
    // A kept connection the server closed as it was reused: the request never reached it (Node's documented retry).
    req.on('error', (error: NodeJS.ErrnoException) => (req.reusedSocket && error.code === 'ECONNRESET' && !retried ? httpJson(url, body, true).then(resolve, reject) : reject(error)));
    req.end(body);
  });
}

