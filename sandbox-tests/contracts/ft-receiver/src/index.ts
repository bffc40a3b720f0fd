/**
 * A NEP-141 receiver for tests. `msg` decides what ft_on_transfer does:
 *   "keep"             keep everything (returns "0")
 *   "return:<amount>"  return <amount> as unused
 *   "return-all"       return the whole amount
 *   "return-invalid"   return something that is not a u128 string (NEP-141: treated as all unused)
 *   "fail"             panic
 *   "blacklist-self"   (needs the blacklister role) blacklist itself on the token, then return
 *                      the whole amount: the resolve sees a blacklisted receiver
 * Every call is recorded and readable through `received`.
 */
import { NearBindgen, call, view, near, Vector, NearPromise } from 'near-sdk-js';

@NearBindgen({})
export class FtReceiver {
  calls: Vector<string> = new Vector<string>('c');

  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string | NearPromise {
    this.calls.push(JSON.stringify({ token: near.predecessorAccountId(), sender_id, amount, msg }));
    if (msg === 'fail') throw new Error('FtReceiver: asked to fail');
    if (msg === 'keep') return '0';
    if (msg === 'return-all') return amount;
    if (msg === 'return-invalid') return 'not-a-number' as string;
    if (msg.startsWith('return:')) return msg.slice('return:'.length);
    if (msg === 'blacklist-self') {
      const self = near.currentAccountId();
      return NearPromise.new(near.predecessorAccountId())
        .functionCall('blacklist_account', JSON.stringify({ account_id: self }), 1n, 30_000_000_000_000n)
        .then(NearPromise.new(self).functionCall('echo_amount', JSON.stringify({ amount }), 0n, 20_000_000_000_000n));
    }
    throw new Error(`FtReceiver: unknown msg ${msg}`);
  }

  @call({ privateFunction: true })
  echo_amount({ amount }: { amount: string }): string {
    return amount;
  }

  @view({})
  received(): string[] {
    return this.calls.toArray();
  }
}
