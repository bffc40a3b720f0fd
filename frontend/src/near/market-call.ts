/**
 * A tasker's marketplace call: through the relayer when this browser holds the account's
 * function-call key for the marketplace (a gasless account), directly with the wallet otherwise.
 */
import { useCallback } from 'react';
import { taskMarketplaceMethods } from '../../../packages/contract-clients/src/index';
import { config } from '../config';
import { canRelay, relayCall } from './relay';
import { useSession } from './session';

type TaskerMethod = 'register_tasker' | 'claim' | 'release_claim' | 'submit' | 'reveal' | 'withdraw' | 'dispute';

export interface MarketCallResult {
  value: unknown;
  transactionHash: string;
  gasBurnt: bigint;
  relayed?: boolean;
}

export function useMarketCall() {
  const { accountId, clients } = useSession();
  return useCallback(
    async (method: TaskerMethod, args: Record<string, unknown>): Promise<MarketCallResult> => {
      if (!accountId || !clients) throw new Error('sign in first');
      if (canRelay(accountId, config.contracts.market, method)) return relayCall(accountId, config.contracts.market, method, args, taskMarketplaceMethods[method].gas);
      const call = clients.market[method] as unknown as (a: Record<string, unknown>) => Promise<MarketCallResult>;
      return call(args);
    },
    [accountId, clients],
  );
}
