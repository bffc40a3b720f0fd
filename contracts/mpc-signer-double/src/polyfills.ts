/**
 * ES2022 built-ins that near-sdk-js 2.0.0's QuickJS lacks but @noble/hashes 2.x and @noble/curves
 * 2.x call while their modules load. Imported first by the entry module, so it runs before them
 * (ES modules evaluate in import order).
 */
const objectWithHasOwn = Object as ObjectConstructor & { hasOwn?: (target: object, key: PropertyKey) => boolean };
if (typeof objectWithHasOwn.hasOwn !== 'function') {
  Object.defineProperty(Object, 'hasOwn', {
    value: (target: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(target, key),
    configurable: true,
    writable: true,
  });
}
