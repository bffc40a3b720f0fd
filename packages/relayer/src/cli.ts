#!/usr/bin/env node
/**
 * near-relayer: serves POST /relay for one relayer account, configured by environment variables
 * or a JSON file of the same names (RELAYER_CONFIG), validated at start (src/config.ts; the
 * variables are listed in packages/relayer/README.md, "CLI").
 * SIGINT/SIGTERM stop accepting and wait for the outcome of every accepted delegate.
 */
import { ConfigError, loadConfig, type CliConfig } from './config.js';
import { createRelayer } from './relayer.js';
import { startRelayerServer } from './server.js';
import { localStore } from './store.js';
import { redisStore } from './redis-store.js';
import { createWriteStream } from 'node:fs';

let config: CliConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `near-relayer: ${(error as Error).message}`);
  process.exit(2);
}
const store = 'redisUrl' in config.store ? await redisStore(config.store.redisUrl, { prefix: config.store.prefix }) : await localStore(config.store.dir);
// Structured logs: one JSON object per line on stdout, the lines of LOG_FLUSH_MS in one write (a write
// per event-loop turn was 7 % of the relayer's busy time under load: a system call, and a wake-up of
// the thread pool and of the reader, per turn), through an fs stream on fd 1: written from libuv's
// thread pool, so a log reader that falls behind (a full pipe) never stops the event loop, as
// process.stdout, synchronous for pipes, would.
const LOG_FLUSH_MS = 20;
const stdout = createWriteStream('', { fd: 1, autoClose: false });
// A reader gone (EPIPE) loses the log, never the relayer.
stdout.on('error', () => {});
let pending: string[] = [];
const flush = () => {
  if (pending.length === 0 || stdout.writableEnded) return;
  const lines = pending.join('');
  pending = [];
  stdout.write(lines);
};
/** Writes what is pending and waits until every line is out (before a graceful exit). */
const flushed = () => {
  flush();
  return new Promise<void>((resolve) => stdout.end(resolve));
};
const log = (event: Record<string, unknown>) => {
  if (pending.length === 0) setTimeout(flush, LOG_FLUSH_MS);
  pending.push(`${JSON.stringify({ time: new Date().toISOString(), instance: config.instance, ...event })}\n`);
};
const relayer = createRelayer({ rpcUrl: config.rpcUrl, accountId: config.accountId, privateKey: config.privateKey, policy: config.policy, store, keys: config.keys, instance: config.instance, pipelineDepth: config.pipelineDepth, log });
const server = await startRelayerServer(relayer, { port: config.port, corsOrigins: config.corsOrigins });
log({ event: 'listening', url: server.url, message: `near-relayer for ${relayer.accountId} (${config.keys} keys) listening on ${server.url}` });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log({ event: 'stopping', signal, in_flight: relayer.inFlight });
    void server.close().then(flushed).then(() => process.exit(0));
  });
}
