// The whole dapp: read the greeting, sign in with a wallet (Wallet Selector), change the greeting.
// VITE_CONTRACT_ID: the account `npm run deploy` deployed to; VITE_NETWORK: testnet (default) or mainnet.
import { setupWalletSelector } from '@near-wallet-selector/core';
import { setupModal } from '@near-wallet-selector/modal-ui';
import { setupMyNearWallet } from '@near-wallet-selector/my-near-wallet';
import { setupMeteorWallet } from '@near-wallet-selector/meteor-wallet';
import '@near-wallet-selector/modal-ui/styles.css';
import { JsonRpcProvider } from 'near-api-js';

const network = import.meta.env.VITE_NETWORK ?? 'testnet';
const contractId = import.meta.env.VITE_CONTRACT_ID;
const provider = new JsonRpcProvider({ url: `https://rpc.${network}.near.org` });
const $ = (id) => document.getElementById(id);

const selector = await setupWalletSelector({ network, modules: [setupMyNearWallet(), setupMeteorWallet()] });
const modal = setupModal(selector, { contractId });

async function showGreeting() {
  if (!contractId) return void ($('greeting').textContent = '(set VITE_CONTRACT_ID to your contract)');
  $('greeting').textContent = await provider.callFunction({ contractId, method: 'get_greeting', args: {} });
}

function showAccount() {
  const accountId = selector.store.getState().accounts.find((a) => a.active)?.accountId;
  $('signed-out').hidden = Boolean(accountId);
  $('signed-in').hidden = !accountId;
  $('account').textContent = accountId ?? '';
}

$('sign-in').onclick = () => modal.show();
$('sign-out').onclick = async () => (await selector.wallet()).signOut();
$('signed-in').onsubmit = async (event) => {
  event.preventDefault();
  $('status').textContent = 'Saving…';
  try {
    const wallet = await selector.wallet();
    await wallet.signAndSendTransaction({
      receiverId: contractId,
      actions: [{ type: 'FunctionCall', params: { methodName: 'set_greeting', args: { greeting: $('new-greeting').value }, gas: '30000000000000', deposit: '0' } }],
    });
    $('status').textContent = 'Saved.';
    await showGreeting();
  } catch (error) {
    $('status').textContent = `Not saved: ${error.message}`; // the contract's rule, e.g. "Hello: the greeting must be 1 to 100 characters"
  }
};

selector.store.observable.subscribe(showAccount);
showAccount();
await showGreeting();
