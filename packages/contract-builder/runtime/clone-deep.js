// near-sdk-js 2.0.0's decodeObj2class (lib/utils.js) deep-copies the decoded contract state with
// lodash-es's cloneDeep; the builder points that one import here (src/clone-deep-alias.ts).
export { klona as cloneDeep } from "klona/full";
