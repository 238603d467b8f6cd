// Builds the consumer gate's cases (.ci/consumers): every response example
// of the spec, the double's answers in a scripted run (once with revoke's 200,
// once with its 204), and the cases the spec promises in words: a listing
// with a key type it does not list, a listing with a name the create call
// would refuse, a 204 revoke, and a ModelState error on
// every call (discrepancy 4: either error shape can come from any call);
// and answers the spec forbids, which the decoders named in a case's
// `reject` must refuse.
//   node corpus.mjs SPEC DOUBLE OUT
import { readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { lifecycle } from "./lifecycle.mjs";

const require = createRequire(process.env.NODE_TOOLS + "/");
const yaml = require("js-yaml");
const [specPath, double, out] = process.argv.slice(2);
const spec = yaml.load(readFileSync(specPath, "utf8"));

const deref = (o) => {
  while (o && o.$ref) o = o.$ref.split("/").slice(1).reduce((v, k) => v[k], spec);
  return o;
};

const cases = [];
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op || !op.operationId) continue;
    for (const [status, resp0] of Object.entries(op.responses ?? {})) {
      const resp = deref(resp0);
      for (const [ct, media] of Object.entries(resp.content ?? {})) {
        for (const [name, ex0] of Object.entries(media.examples ?? {})) {
          const ex = deref(ex0);
          // A default or range answer's example is sent with a status it covers.
          const code = status === "default" ? 409 : /X/.test(status) ? Number(status[0]) * 100 + 9 : Number(status);
          cases.push({ name: `example ${name} (${method.toUpperCase()} ${path} ${status} ${ct})`, op: op.operationId, status: code, contentType: ct, body: JSON.stringify(ex.value), example: { name, status, ct } });
        }
      }
    }
  }
}

if (cases.length === 0) throw new Error("the spec has no response example: the gate would check none");

// startDouble runs the double on a free loopback port and reads its base URL.
async function startDouble(args) {
  const child = spawn(double, ["-addr", "127.0.0.1:0", "-quiet", ...(process.env.CONSUMERS_APP_SECRET ? ["-app-secret", process.env.CONSUMERS_APP_SECRET] : []), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  for await (const line of createInterface({ input: child.stdout })) {
    const m = /^ {2}base URL: +(\S+)$/.exec(line);
    if (m) return { base: m[1], stop: () => child.kill("SIGTERM") };
  }
  throw new Error("the double ended before it printed its base URL");
}
for (const status of ["200", "204"]) {
  const d = await startDouble(status === "204" ? ["-prefer", "revoke-204"] : []);
  try {
    cases.push(...(await lifecycle(d.base, { tag: `the double (revoke ${status})` })));
  } finally {
    d.stop();
  }
}

const twoKeys = deref(spec.components.examples.TwoKeys).value;
cases.push({ name: "a listing with a key type the spec does not list", op: "listApiKeys", status: 200, contentType: "application/json",
  body: JSON.stringify({ keys: [...twoKeys.keys, { ...twoKeys.keys[0], name: "Restricted Key", type: "restricted", last_four: "9zzz" }] }) });
// The create page forbids < and > in a new name; a key named before the rule
// (or in the portal) is still listed, and must not fail the listing (D15).
cases.push({ name: "a listing with a key name the create call would refuse", op: "listApiKeys", status: 200, contentType: "application/json",
  body: JSON.stringify({ keys: [...twoKeys.keys, { ...twoKeys.keys[0], name: "Old <b>key</b>", last_four: "8zzz" }] }) });
cases.push({ name: "a revoke answered 204 without a body", op: "revokeApiKey", status: 204, contentType: "", body: "" });
const modelState = { status: 400, title: "One or more validation errors occurred.", traceId: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", errors: { field: ["The field is invalid."] } };
for (const op of ["createToken", "createApiKey", "listApiKeys", "revokeApiKey"]) {
  for (const ct of ["application/json", "application/problem+json"]) {
    cases.push({ name: `a ModelState error from ${op} as ${ct}`, op, status: 400, contentType: ct, body: JSON.stringify(modelState) });
  }
}
// Answers the spec forbids, each named with the decoders that must refuse it:
// a decoder that accepts them judges nothing, and every decoder fails when it
// refused none (as when the corpus is empty).
cases.push({ name: "a listing whose keys is not an array (must be refused)", op: "listApiKeys", status: 200, contentType: "application/json",
  body: JSON.stringify({ keys: "none" }), reject: ["oapi-codegen", "ogen", "@hey-api/openapi-ts zod", "orval", "openapi-zod-client", "prism proxy"] });
cases.push({ name: "a listing that is not JSON (must be refused)", op: "listApiKeys", status: 200, contentType: "application/json",
  body: "<html>Bad gateway</html>", reject: ["oapi-codegen", "ogen", "openapi-fetch", "@hey-api/openapi-ts zod", "orval", "openapi-zod-client", "prism proxy"] });
writeFileSync(out, JSON.stringify(cases, null, 1));
console.log(`corpus: ${cases.length} cases`);
