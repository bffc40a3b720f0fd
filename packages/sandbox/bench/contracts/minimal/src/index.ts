// near-sdk-js benchmark/src/lowlevel-minimal.js as TypeScript: one exported function that does nothing,
// so a call measures loading QuickJS and near-sdk-js (nearcore's published figure is for this contract).
export function empty(): void {}
