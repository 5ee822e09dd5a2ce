// Registered with `node --import` by library.test.ts: `import ... from "rsbench"` resolves to the
// TypeScript sources (src/index.ts, run under tsx), so that the snippets test today's code
// without a build; test/package/install.test.ts runs the first one against the packed dist/.
import { register } from "node:module";

const index = new URL("../../src/index.ts", import.meta.url).href;
register("data:text/javascript," + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  return next(specifier === "rsbench" ? ${JSON.stringify(index)} : specifier, context);
}`));
