/**
 * near-sdk-js 2.0.0 imports lodash-es for one function: `cloneDeep`, which decodeObj2class (lib/utils.js)
 * runs on the contract object after every state read. Rollup then bundles about 100 lodash modules
 * whose top level (native-function probes with RegExps, Map/Set/Promise/DataView detection, tag
 * tables) runs at the start of every call, and whose bytecode every call reads.
 *
 * This Rollup plugin points that single import at klona/full (runtime/clone-deep.js). For the values
 * decodeObj2class copies (objects decoded from JSON state, with near-sdk-js collection instances and
 * class defaults) both give the same result: a new object with the same prototype whose own
 * enumerable properties are deep copies; arrays, Dates, Maps, Sets, typed arrays copied; functions,
 * BigInts and other primitives kept. They differ only on inputs persisted state cannot produce:
 * cycles (JSON.stringify refuses them when the state is saved), non-enumerable or accessor own
 * properties (klona copies them as they are, lodash drops or reads them) and null-prototype objects.
 *
 * It works in Rollup's `load` hook (the module text changes), so Rollup's shared on-disk cache, which
 * reuses a cached module's resolved imports when its source is unchanged, cannot keep the old import.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { BUILDER_DIR } from "./paths.js";
import { SourceIntegrityError } from "./errors.js";

export const CLONE_DEEP_MODULE = path.join(BUILDER_DIR, "runtime", "clone-deep.js");
const LODASH_IMPORT = 'import { cloneDeep } from "lodash-es";';
const UTILS_SUFFIX = path.join("near-sdk-js", "lib", "utils.js");

export function cloneDeepAlias(): { name: string; load(id: string): string | null } {
  return {
    name: "near-ts-clone-deep-alias",
    load(id: string): string | null {
      if (!id.endsWith(UTILS_SUFFIX)) return null;
      const code = readFileSync(id, "utf8");
      const found = code.split(LODASH_IMPORT).length - 1;
      if (found !== 1) {
        throw new SourceIntegrityError(`${id}: expected the line ${LODASH_IMPORT} once, found it ${found} times`, "the builder supports near-sdk-js 2.0.0 only: reinstall near-sdk-js@2.0.0 (npm ci)");
      }
      return code.replace(LODASH_IMPORT, `import { cloneDeep } from ${JSON.stringify(CLONE_DEEP_MODULE)};`);
    },
  };
}
