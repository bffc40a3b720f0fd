/**
 * Chain signatures: the connected account's Ethereum, Bitcoin and Solana addresses derived through the
 * proxy, and transactions signed by the MPC signer through the proxy's `sign`. viem, bitcoinjs-lib and
 * @solana/web3.js load with this page only (it is its own chunk).
 */
import './buffer-global';
import { useEffect, useState, type FormEvent } from 'react';
import { recoverTransactionAddress, parseEther, type Hex } from 'viem';
import {
  assembleEthereumTransaction,
  assembleSolanaTransaction,
  deriveEd25519PublicKey,
  ethereumSigningPayload,
  proxyDerivationPath,
  proxySignArgs,
  proxyUserAddresses,
  solanaSigningPayload,
  solanaTransferTransaction,
  type ProxyUserAddresses,
  type UnsignedEip1559,
} from '../../../packages/chain-signatures/src/index';
import { TGAS } from '../../../packages/contract-clients/src/index';
import { TxStatus } from '../components/TxStatus';
import { config } from '../config';
import { useSession, viewClients } from '../near/session';
import { useTransaction } from '../near/tx';

const SEPOLIA = 11155111;

function useRoots() {
  const [roots, setRoots] = useState<{ secp256k1: string; ed25519: string } | null>(null);
  useEffect(() => {
    Promise.all([viewClients.signer.public_key({ domain_id: 0 }), viewClients.signer.public_key({ domain_id: 1 })]).then(([secp256k1, ed25519]) => setRoots({ secp256k1, ed25519 }), () => undefined);
  }, []);
  return roots;
}

export default function ChainSignatures() {
  const { accountId, clients } = useSession();
  const roots = useRoots();
  const [path, setPath] = useState('ethereum-1');
  const [to, setTo] = useState('0x000000000000000000000000000000000000dEaD');
  const [value, setValue] = useState('0.001');
  const [nonce, setNonce] = useState('0');
  const [formError, setFormError] = useState<string | null>(null);
  const [signed, setSigned] = useState<{ raw: Hex; recovered: string } | null>(null);
  const [solana, setSolana] = useState<{ wire: string } | null>(null);
  const eth = useTransaction();
  const sol = useTransaction();
  if (!accountId) return <p className="hint">Sign in to see your addresses on other chains.</p>;

  let addresses: ProxyUserAddresses | null = null;
  let pathError: string | null = null;
  if (roots) {
    try {
      addresses = proxyUserAddresses(roots, config.contracts.proxy, accountId, path);
    } catch (e) {
      pathError = (e as Error).message;
    }
  }

  // 1 yoctoNEAR for the signer, the NEAR fee and, before a first request, the usage record's storage.
  const deposit = async () => viewClients.proxy.sign_deposit({ account_id: accountId });

  const signEthereum = async (event: FormEvent) => {
    event.preventDefault();
    setSigned(null);
    let tx: UnsignedEip1559;
    try {
      if (!/^0x[0-9a-fA-F]{40}$/.test(to)) throw new Error('The recipient must be a 0x-prefixed 20-byte Ethereum address.');
      if (!/^\d+$/.test(nonce)) throw new Error('The nonce must be a whole number.');
      tx = { chainId: SEPOLIA, nonce: Number(nonce), to: to as Hex, value: parseEther(value), gas: 21_000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    } catch (e) {
      return setFormError((e as Error).message.split('\n')[0]!);
    }
    setFormError(null);
    const attached = await deposit();
    const args = proxySignArgs(path, ethereumSigningPayload(tx), 'secp256k1');
    const result = await eth.run('Sign the Ethereum transfer through the proxy', () => clients!.proxy.sign({ path, payload_v2: args.payload_v2, domain_id: 0 }, { deposit: attached, gas: 150n * TGAS, timeoutMs: 60_000 }), attached);
    if (!result) return;
    const raw = assembleEthereumTransaction(tx, result.value);
    setSigned({ raw, recovered: await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` }) });
  };

  const signSolana = async () => {
    setSolana(null);
    const from = deriveEd25519PublicKey(roots!.ed25519, config.contracts.proxy, proxyDerivationPath(accountId, path));
    // a fixed recent blockhash: this page builds and signs; it does not broadcast
    const transaction = solanaTransferTransaction({ from, to: '11111111111111111111111111111112', lamports: 1_000_000n, recentBlockhash: 'EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k' });
    const attached = await deposit();
    const args = proxySignArgs(path, solanaSigningPayload(transaction), 'ed25519');
    const result = await sol.run('Sign the Solana transfer through the proxy', () => clients!.proxy.sign({ path, payload_v2: args.payload_v2, domain_id: 1 }, { deposit: attached, gas: 150n * TGAS, timeoutMs: 60_000 }), attached);
    if (!result) return;
    const wire = assembleSolanaTransaction(transaction, result.value); // verifies the signature against the derived key
    setSolana({ wire: btoa(String.fromCharCode(...wire)) });
  };

  return (
    <>
      <section className="card" aria-labelledby="addresses-title">
        <h1 id="addresses-title">Your addresses on other chains</h1>
        <label>
          Derivation path
          <input value={path} onChange={(e) => setPath(e.target.value)} aria-describedby="path-help" />
        </label>
        <p id="path-help" className="hint">
          Each path gives other addresses; all are controlled by {accountId} through {config.contracts.proxy}.
        </p>
        {pathError && <p className="field-error">{pathError}</p>}
        {!roots && <p role="status">Reading the signer's root keys…</p>}
        {addresses && (
          <dl className="addresses">
            <dt>Ethereum</dt>
            <dd data-testid="eth-address">{addresses.ethereum}</dd>
            <dt>Bitcoin (testnet, P2WPKH)</dt>
            <dd data-testid="btc-address">{addresses.bitcoin}</dd>
            <dt>Solana</dt>
            <dd data-testid="sol-address">{addresses.solana}</dd>
          </dl>
        )}
      </section>
      <section className="card" aria-labelledby="eth-title">
        <h2 id="eth-title">Send ETH on Sepolia</h2>
        <form onSubmit={signEthereum}>
          <div className="row">
            <label>
              To
              <input value={to} onChange={(e) => setTo(e.target.value)} className="mono" />
            </label>
            <label>
              Amount (ETH)
              <input value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" />
            </label>
            <label>
              Nonce
              <input value={nonce} onChange={(e) => setNonce(e.target.value)} inputMode="numeric" />
            </label>
          </div>
          {formError && <p className="field-error">{formError}</p>}
          <button type="submit" disabled={eth.busy || !addresses}>
            Sign with NEAR
          </button>
        </form>
        <TxStatus state={eth.state} />
        {signed && addresses && (
          <div className="result" data-testid="eth-signed">
            <p>Signed transaction (ready for eth_sendRawTransaction):</p>
            <pre className="mono wrap">{signed.raw}</pre>
            <p>
              Recovered sender: <span className="mono" data-testid="eth-recovered">{signed.recovered}</span>{' '}
              {signed.recovered === addresses.ethereum ? <strong className="ok">= your derived address ✓</strong> : <strong className="bad">≠ your derived address {addresses.ethereum}</strong>}
            </p>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="sol-title">
        <h2 id="sol-title">Sign a Solana transfer</h2>
        <p className="hint">0.001 SOL from your Solana address to the system program's test account; the signature is checked against your derived key.</p>
        <button type="button" onClick={() => void signSolana()} disabled={sol.busy || !roots}>
          Sign Solana transfer
        </button>
        <TxStatus state={sol.state} />
        {solana && (
          <div className="result" data-testid="sol-signed">
            <p>Signed wire transaction (base64), signature verified against {addresses?.solana}:</p>
            <pre className="mono wrap">{solana.wire}</pre>
          </div>
        )}
      </section>
    </>
  );
}
