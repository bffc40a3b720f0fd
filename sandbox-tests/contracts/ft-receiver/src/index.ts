/**
 * A NEP-141 receiver for tests. `msg` decides what ft_on_transfer does:
 *   "keep"             keep everything (returns "0")
 *   "return:<amount>"  return <amount> as unused
 *   "return-all"       return the whole amount
 *   "return-invalid"   return something that is not a u128 string (NEP-141: treated as all unused)
 *   "fail"             panic
 *   "forward:<token>"  call ft_transfer_call back on the token (re-entrancy probe), keep everything
 * Every call is recorded and readable through `received`.
 */
import { NearBindgen, call, view, near, Vector } from 'near-sdk-js';

@NearBindgen({})
export class FtReceiver {
  calls: Vector<string> = new Vector<string>('c');

  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    this.calls.push(JSON.stringify({ token: near.predecessorAccountId(), sender_id, amount, msg }));
    if (msg === 'fail') throw new Error('FtReceiver: asked to fail');
    if (msg === 'keep') return '0';
    if (msg === 'return-all') return amount;
    if (msg === 'return-invalid') return 'not-a-number' as string;
    if (msg.startsWith('return:')) return msg.slice('return:'.length);
    throw new Error(`FtReceiver: unknown msg ${msg}`);
  }

  @view({})
  received(): string[] {
    return this.calls.toArray();
  }
}
