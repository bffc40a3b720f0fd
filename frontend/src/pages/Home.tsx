export default function Home() {
  return (
    <section className="card" aria-labelledby="home-title">
      <h1 id="home-title">Work, payouts and signatures on NEAR</h1>
      <ul className="features">
        <li>
          <a href="#/vendor">Vendor console</a>: create a labelling project, fund it in USDX or NEAR, upload items with sealed gold answers and follow their progress.
        </li>
        <li>
          <a href="#/tasks">Tasker workspace</a>: claim items, label them, commit and reveal your answers, and withdraw what you earned.
        </li>
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
