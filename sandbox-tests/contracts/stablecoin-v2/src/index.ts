/** The stablecoin with one extra view: the "new code" of the upgrade test. */
import { near } from 'near-sdk-js';

export * from '../../../../contracts/stablecoin/src/index';

export function stablecoin_v2_marker(): void {
  near.valueReturn(JSON.stringify('v2'));
}
