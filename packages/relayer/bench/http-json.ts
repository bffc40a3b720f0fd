import { Agent, request } from 'undici';

/**
 * The load generators' HTTP (bench:relayer, bench:relayer-cpu): keep-alive connections through undici,
 * as the relayer's node calls go. It shares the machine with the relayer it measures, so its CPU per
 * request is CPU the relayer waits behind.
 */
const agent = new Agent({ connections: null, pipelining: 1 });
export async function httpJson(url: string, body?: string): Promise<{ status: number; json: unknown }> {
  const response = await request(url, body === undefined ? { method: 'GET', dispatcher: agent } : { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
  return { status: response.statusCode, json: await response.body.json() };
}
