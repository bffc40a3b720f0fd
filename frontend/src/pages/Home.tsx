export default function Home() {
  return (
    <section className="card" aria-labelledby="home-title">
      <h1 id="home-title">Work, payouts and signatures on NEAR</h1>
      <ul className="features">
        <li>
          <a href="#/payouts">Payouts</a>: see what you can claim in USDX and claim it, with no NEAR for gas (a relayer pays); payers create pools, fund them and pay many people from a CSV.
        </li>
        <li>
          <a href="#/chain-signatures">Chain signatures</a>: your Ethereum, Bitcoin and Solana addresses, derived from your NEAR account, and transactions signed by NEAR's MPC signer through the proxy.
        </li>
      </ul>
    </section>
  );
}
