// The consumer gate's Prism side (.ci/consumers): Prism 5, as a mock server
// and as a validating proxy, each run on the spec under test.
//   - mock: Prism serves every response example of the spec, asked for by
//     name (Prefer: example=...), as written;
//   - proxy in front of a replay server: every case of the corpus passes
//     Prism's response validation (no sl-violations, no error of its own);
//   - proxy in front of the double: the scripted run (token, create, list,
//     revoke, list) passes through it, with revoke's 200 and its 204.
// One line per failed case; exit 1 when there is one.
//   node prism.mjs SPEC CASES.json DOUBLE
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { isDeepStrictEqual } from "node:util";
import { lifecycle } from "./lifecycle.mjs";

const [specPath, casesPath, double] = process.argv.slice(2);
const prismBin = process.env.NODE_TOOLS + "/.bin/prism";
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const children = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGTERM")));

// started CHILD RE: resolves with RE's first match in CHILD's output.
function started(child, re, what) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onLine = (line) => {
      seen += line + "\n";
      const m = re.exec(line);
      if (m) resolve(m);
    };
    for (const input of [child.stdout, child.stderr]) if (input) createInterface({ input }).on("line", onLine);
    child.on("exit", (code) => reject(new Error(`${what} ended (exit ${code}) before it started:\n${seen}`)));
  });
}
async function prism(args) {
  const child = spawn(prismBin, [...args, "-h", "127.0.0.1", "-p", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  children.push(child);
  const m = await started(child, /Prism is listening on (http:\/\/\S+)/, "prism " + args[0]);
  return m[1].replace(/\/$/, "");
}
async function startDouble(args) {
  const child = spawn(double, ["-addr", "127.0.0.1:0", "-quiet", ...(process.env.CONSUMERS_APP_SECRET ? ["-app-secret", process.env.CONSUMERS_APP_SECRET] : []), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const m = await started(child, /^ {2}base URL: +(\S+)$/, "the double");
  return m[1];
}

const spec = (await import("node:module")).createRequire(process.env.NODE_TOOLS + "/")("js-yaml").load(readFileSync(specPath, "utf8"));
const ops = new Map();
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) if (op?.operationId) ops.set(op.operationId, { path, method });
}
const bodies = {
  createToken: { AppKey: "app_key_example", AppSecret: "app_secret_example" },
  createApiKey: { mid: "mid_123456", name: "My API Key", type: "secret" },
};
function request(base, c, headers) {
  const o = ops.get(c.op);
  const path = o.path.replace(/\{\w+\}/, "mid_123456");
  const body = bodies[c.op];
  return fetch(base + path, {
    method: o.method.toUpperCase(),
    headers: { Authorization: "Bearer token", Accept: "application/json, application/problem+json", ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(20000),
  });
}

let failed = 0;
const fail = (what, c, why) => {
  failed++;
  console.log(`prism ${what}: ${c.name}: ${why}`);
};
// violations: Prism's findings about an answer, their paths and messages
// only (never the values).
const violations = (res) => res.headers.get("sl-violations");

// Mock.
const mock = await prism(["mock", specPath]);
const examples = cases.filter((c) => c.example);
for (const c of examples) {
  // A default answer's example is asked for with a status it covers.
  const prefer = `code=${c.status}, example=${c.example.name}`;
  // Accept names the example's media type: Prism looks for the example
  // under the media type it negotiates.
  const res = await request(mock, c, { Prefer: prefer, Accept: c.example.ct });
  const text = await res.text();
  let same = false;
  try { same = isDeepStrictEqual(JSON.parse(text), JSON.parse(c.body)); } catch { /* not JSON */ }
  if (!same) fail("mock", c, `served ${res.status} ${res.headers.get("content-type")}, not the example`);
  else if (res.status !== c.status) fail("mock", c, `served status ${res.status}`);
}
if (examples.length === 0) fail("mock", { name: "the spec's examples" }, "none to serve: the run checked nothing");
console.log(`prism mock: ${examples.length} examples served`);

// Proxy in front of a replay server that answers each case.
const replay = createServer((req, res) => {
  req.resume();
  const c = cases[Number(req.headers["x-case"])];
  res.writeHead(c.status, c.contentType ? { "Content-Type": c.contentType } : {});
  res.end(c.status === 204 ? undefined : c.body);
});
await new Promise((r) => replay.listen(0, "127.0.0.1", r));
const proxy = await prism(["proxy", "--errors", specPath, `http://127.0.0.1:${replay.address().port}`]);
let n = 0, refused = 0;
for (const [i, c] of cases.entries()) {
  const res = await request(proxy, c, { "x-case": String(i) });
  await res.text();
  if (c.reject?.includes("prism proxy")) {
    // Prism refuses with violations, or answers 500 for a body it cannot parse.
    if (violations(res) || res.status !== c.status) refused++;
    else fail("proxy", c, "no violation, though the spec forbids the answer: the proxy judges nothing");
    continue;
  }
  n++;
  if (violations(res)) fail("proxy", c, `violations: ${violations(res)}`);
  else if (res.status !== c.status) fail("proxy", c, `Prism answered ${res.status} for the case's ${c.status}`);
}
replay.close();
if (n === 0 || refused === 0) fail("proxy", { name: "the corpus" }, "no case validated or no forbidden answer refused: the run checked nothing");
console.log(`prism proxy: ${n} cases validated, ${refused} forbidden answers refused`);

// Proxy in front of the double: the scripted run through it.
for (const status of ["200", "204"]) {
  const base = await startDouble(status === "204" ? ["-prefer", "revoke-204"] : []);
  const front = await prism(["proxy", "--errors", specPath, base]);
  const run = await lifecycle(front, { tag: `through Prism to the double (revoke ${status})` }).catch((e) => { fail("proxy", { name: `the double (revoke ${status})` }, e.message); return []; });
  for (const c of run) if (c.headers["sl-violations"]) fail("proxy", c, `violations: ${c.headers["sl-violations"]}`);
  console.log(`prism proxy in front of the double (revoke ${status}): ${run.length} answers validated`);
}
children.forEach((c) => c.kill("SIGTERM"));
process.exit(failed > 0 ? 1 : 0);
