/**
 * Named ed25519 edge-case vectors and the outcome nearcore gives each. nearcore verifies with ed25519-dalek 2.x
 * `VerifyingKey::verify` everywhere a user's signature is checked: transactions and delegate actions
 * (core/crypto/src/signature.rs `Signature::verify`) and the `ed25519_verify` host function
 * (runtime/near-vm-runner/src/logic/logic.rs), never `verify_strict`.
 */

export interface TamingVector {
  case: number;
  what: string;
  /** ed25519-dalek `verify`: what nearcore answers. */
  nearcore: boolean;
  /** ed25519-dalek `verify_strict`, for contrast: it refuses small-order A and R. */
  verifyStrict: boolean;
  message: string;
  publicKey: string;
  signature: string;
}

/**
 * The 12 cases of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020, table 5; the
 * ed25519-speccheck cases 0–11), byte for byte as nearcore keeps them in
 * core/crypto/ed25519-batch/tests/extensive_test_instances.json. Orders: "small" = order dividing 8,
 * "mixed" = small component plus an order-L component. "hashed reduced / as sent": whether k = H(R ‖ A ‖ M)
 * only matches when the verifier hashes the canonical re-encoding of the non-canonical point or its bytes as
 * sent (dalek hashes the bytes as sent, and compares R as bytes).
 */
export const TAMING_THE_MANY_EDDSAS: TamingVector[] = [
  { case: 0, what: 'S = 0, small-order A, small-order R', nearcore: true, verifyStrict: false,
    message: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    publicKey: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000' },
  { case: 1, what: '0 < S < L, small-order A, mixed-order R', nearcore: true, verifyStrict: false,
    message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    publicKey: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    signature: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
  { case: 2, what: '0 < S < L, mixed-order A, small-order R', nearcore: true, verifyStrict: false,
    message: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e' },
  { case: 3, what: '0 < S < L, mixed-order A and R, passes the cofactored and the cofactorless equation', nearcore: true, verifyStrict: true,
    message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    signature: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009' },
  { case: 4, what: '0 < S < L, mixed-order A and R, passes only the cofactored equation', nearcore: false, verifyStrict: false,
    message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    signature: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09' },
  { case: 5, what: '0 < S < L, mixed-order A, order-L R, passes only the cofactored equation', nearcore: false, verifyStrict: false,
    message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    signature: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405' },
  { case: 6, what: 'S > L (S < 2^253), order-L A and R', nearcore: false, verifyStrict: false,
    message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    publicKey: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    signature: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514' },
  { case: 7, what: 'S >> L (S >= 2^253: the top 3 bits of the last byte set)', nearcore: false, verifyStrict: false,
    message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    publicKey: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    signature: 'ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a4734e74f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22' },
  { case: 8, what: 'non-canonical R, hashed reduced', nearcore: false, verifyStrict: false,
    message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f' },
  { case: 9, what: 'non-canonical R, hashed as sent', nearcore: false, verifyStrict: false,
    message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908' },
  { case: 10, what: 'non-canonical small-order A, hashed reduced', nearcore: false, verifyStrict: false,
    message: 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b',
    publicKey: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
  { case: 11, what: 'non-canonical small-order A, hashed as sent', nearcore: true, verifyStrict: false,
    message: '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    publicKey: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04' },
];

export type ValidationFlag =
  | 'low_order'
  | 'low_order_A'
  | 'low_order_R'
  | 'non_canonical_A'
  | 'non_canonical_R'
  | 'low_order_component_A'
  | 'low_order_component_R'
  | 'low_order_residue'
  | 'reencoded_k';

/**
 * The edge cases ed25519-dalek's `verify()` permits (ed25519-dalek tests/validation_criteria.rs
 * `VERIFY_ALLOWED_EDGECASES`): a vector verifies iff all its flags are in this set. `low_order_residue` (only the
 * cofactored equation holds) and `non_canonical_R` are refused.
 */
export const DALEK_VERIFY_ALLOWS: ReadonlySet<ValidationFlag> = new Set([
  'low_order_A',
  'low_order_R',
  'non_canonical_A',
  'low_order_component_A',
  'low_order_component_R',
  'reencoded_k',
]);

/**
 * Vectors 0–39 of ed25519-dalek's VALIDATIONVECTORS (from C2SP CCTV ed25519vectors.json at 5ea85644):
 * [number, public key, signature, message (UTF-8), flags].
 */
export const DALEK_VALIDATION_VECTORS: Array<[number, string, string, string, ValidationFlag[]]> = [
  [0, '0000000000000000000000000000000000000000000000000000000000000000', '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 3', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [1, '0000000000000000000000000000000000000000000000000000000000000000', '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 11', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A']],
  [2, '0000000000000000000000000000000000000000000000000000000000000000', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 7', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [3, '0000000000000000000000000000000000000000000000000000000000000000', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 3', ['low_order_A', 'low_order_component_R', 'low_order_component_A']],
  [4, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '00000000000000000000000000000000000000000000000000000000000000005e176f12cfb0d4e6eb6929b19ae4c998ef05c1c2cf628a9b1fa1c21312627108', 'ed25519vectors 7', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [5, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '00000000000000000000000000000000000000000000000000000000000000009472a69cd9a701a50d130ed52189e2455b23767db52cacb8716fb896ffeeac09', 'ed25519vectors 3', ['low_order_R', 'low_order_component_R', 'low_order_component_A']],
  [6, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56bc02e2b9e63e385c058bf62b14b3a2b29ccefe8e38ddb536bc3f9865320a3d801', 'ed25519vectors 10', ['low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [7, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56bbbfd00bd9c259d8d222d15e67a3d8228585050dbb9b9585be20d8fadc721da03', 'ed25519vectors', ['low_order_component_R', 'low_order_component_A']],
  [8, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 8', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A']],
  [9, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 6', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A']],
  [10, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 4', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A']],
  [11, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A']],
  [12, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 7', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A', 'reencoded_k']],
  [13, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '36684ea91032ba5b1dbab2d02f4debc74c3327f2b3802e2e4d371aa42b12b56b05ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 3', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A', 'reencoded_k']],
  [14, '0000000000000000000000000000000000000000000000000000000000000000', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 3', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_R']],
  [15, '0000000000000000000000000000000000000000000000000000000000000000', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 10', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_R']],
  [16, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f1cb421dfbd92aa6c30d550bff53c81cf650ace6deb96a8ec22d2fef84dbbe20b', 'ed25519vectors 6', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_R']],
  [17, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fad7a355469b5c87e550469f6b2de409ee723acd584bf35f86b80c384e8ceb702', 'ed25519vectors 3', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'non_canonical_R']],
  [18, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f5e176f12cfb0d4e6eb6929b19ae4c998ef05c1c2cf628a9b1fa1c21312627108', 'ed25519vectors 7', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_R', 'reencoded_k']],
  [19, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f9472a69cd9a701a50d130ed52189e2455b23767db52cacb8716fb896ffeeac09', 'ed25519vectors 3', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'non_canonical_R', 'reencoded_k']],
  [20, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 2', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A', 'non_canonical_R']],
  [21, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 15', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A', 'non_canonical_R']],
  [22, '0000000000000000000000000000000000000000000000000000000000000000', '00000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 4', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [23, '0000000000000000000000000000000000000000000000000000000000000000', '00000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 3', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A']],
  [24, '0000000000000000000000000000000000000000000000000000000000000000', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [25, '0000000000000000000000000000000000000000000000000000000000000000', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 9', ['low_order_A', 'low_order_component_R', 'low_order_component_A']],
  [26, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '000000000000000000000000000000000000000000000000000000000000008075b3d7e9547febbdbf3fde21df901c7ca1fc59e8b689a4ae283919e78cf62b03', 'ed25519vectors 11', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [27, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', '0000000000000000000000000000000000000000000000000000000000000080050abffcd4d8ccbb4b8d6bf6649f5aa99e8de5cc182a7409633856ff53f49e0c', 'ed25519vectors 10', ['low_order_R', 'low_order_component_R', 'low_order_component_A']],
  [28, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a94639734cf989e314e9e049fc01a3864d191fed8f231b12fee6fa50aaadba44b0e', 'ed25519vectors 9', ['low_order_component_R', 'low_order_component_A', 'low_order_residue']],
  [29, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a94732d9e0279fe001d90327efa319816e3e4506b78432b8b4e1f2fdc4b960d700f', 'ed25519vectors 2', ['low_order_component_R', 'low_order_component_A']],
  [30, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '00000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 7', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A']],
  [31, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '00000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 9', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A']],
  [32, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 2', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A']],
  [33, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 9', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A']],
  [34, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_A', 'reencoded_k']],
  [35, 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'b797b156efcd45a4e2454d2fd0b21438b3ccd80d4c7fd1d1b2c8e55bd4ed4a9405ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02', 'ed25519vectors 9', ['low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_A', 'reencoded_k']],
  [36, '0000000000000000000000000000000000000000000000000000000000000000', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 5', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_R']],
  [37, '0000000000000000000000000000000000000000000000000000000000000000', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000000000000000000000000000000000000000000000000000', 'ed25519vectors 9', ['low_order_R', 'low_order_A', 'low_order_component_R', 'low_order_component_A', 'non_canonical_R']],
  [38, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7117c2ec783065c50f2c930cfc9d318c9737991acb260b49e2ca815474532709', 'ed25519vectors', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'low_order_residue', 'non_canonical_R']],
  [39, '10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff1f5fae114eb0c534b5aed0a892d0a0e1d429df6a025c5ae08012e0ffce78310c', 'ed25519vectors 27', ['low_order_R', 'low_order_component_R', 'low_order_component_A', 'non_canonical_R']],
];

/** What nearcore (dalek `verify`) answers for a validation vector. */
export const dalekVerifies = (flags: ValidationFlag[]) => flags.every((f) => DALEK_VERIFY_ALLOWS.has(f));

export const hexBytes = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
