/**
 * Prometheus metrics of one relayer (prom-client, a registry per relayer so several in one
 * process do not mix): requests, accepted, refused by code, outcomes, checks of an earlier copy after
 * an ambiguous send by what they decided, NEAR spent, delegates in flight and each pool key's nonce lag
 * (signed here but not yet on chain), and prom-client's default process metrics (CPU, memory, event-loop lag).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function relayerMetrics(sources: { inFlight: () => number; nonceLag: () => Promise<Record<string, number>> }) {
  const registry = new Registry();
  // The process's own: CPU seconds (what bench:relayer divides by the delegates relayed), memory, event-loop lag.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'relayer_requests_total', help: 'Delegates posted to relay', registers }),
    accepted: new Counter({ name: 'relayer_accepted_total', help: 'Delegates accepted: signed, answered with a transaction hash', registers }),
    refused: new Counter({ name: 'relayer_refused_total', help: 'Delegates refused before anything was sent, by error code', labelNames: ['code'], registers }),
    outcomes: new Counter({ name: 'relayer_outcomes_total', help: 'Relayed transactions by final state (final_succeeded, final_failed, refused_by_node, outcome_unknown: unknown to the node, its delegate\'s nonce used on chain)', labelNames: ['state'], registers }),
    resendChecks: new Counter({
      name: 'relayer_resend_checks_total',
      help: 'Refusals of a transaction that may have been sent before, after which its hash was looked up: followed (the node knows it), signed_again, refused, undecided (followed unproved), delegate_used (unknown, its delegate\'s nonce used on chain: the job ends, nothing signed)',
      labelNames: ['result'],
      registers,
    }),
    nearSpent: new Counter({ name: 'relayer_near_spent_total', help: 'NEAR the relayer paid for relayed delegates (tokens burnt and deposits)', registers }),
    inFlight: new Gauge({
      name: 'relayer_in_flight',
      help: 'Delegates accepted by this instance and not yet final (its queue)',
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    }),
    nonceLag: new Gauge({
      name: 'relayer_key_nonce_lag',
      help: 'Per pool key: the last nonce signed here minus the nonce on chain',
      labelNames: ['public_key'],
      registers,
      async collect() {
        for (const [publicKey, lag] of Object.entries(await sources.nonceLag().catch(() => ({})))) this.set({ public_key: publicKey }, lag);
      },
    }),
  };
}

export type RelayerMetrics = ReturnType<typeof relayerMetrics>;
