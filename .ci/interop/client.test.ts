// A TypeScript client made from openapi.yaml, run against the FlexFactor
// double: what another language team gets, proven at run time, not only at
// compile time (example.ts). `make interop` (.ci/spec interop) generates
// ./openapi.ts with openapi-typescript, compiles this file with tsc --strict
// and runs it with Node's own test runner:
//
//   INTEROP_MOCK=path/to/flexfactor-mock  the double's program: the tests
//                                         start it on a free loopback port
//                                         and stop it after
//   INTEROP_BASE_URL=http://127.0.0.1:8080/v1, INTEROP_APP_KEY, INTEROP_APP_SECRET
//                                         or a double already running
//
// The calls are openapi-fetch's, typed by the generated paths: a path, a
// parameter, a field or a media type the spec renames stops the build here.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./openapi.js";
// The info.version of the spec the types were generated from, which
// .ci/spec interop writes beside them.
import { specVersion } from "./spec-version.js";

type APIKey = components["schemas"]["APIKey"];
type APIKeyType = components["schemas"]["APIKeyType"];

// The spec's client-side key types (discrepancy 1): `public` and
// `publishable` name the same kind of key. Typed by the generated
// APIKeyType, so a spec without one of them fails the build (example.ts
// checks the whole enum with an exhaustive switch).
// A listed type is any string (ListedAPIKeyType, D1): one the spec does not
// know is not client-side.
const clientSide: ReadonlySet<string> = new Set<APIKeyType>(["public", "publishable"]);
const isClientSide = (type: string): boolean => clientSide.has(type);

// The five fields the spec requires of every listed key, each present
// (last_used may be null, never absent).
const keyFields = ["name", "type", "created_at", "last_used", "last_four"] as const;

function assertListedKey(k: APIKey): void {
  for (const f of keyFields) {
    assert.ok(Object.hasOwn(k, f), `a listed key lacks "${f}": ${Object.keys(k).join(", ")}`);
  }
  assert.equal(typeof k.name, "string");
  assert.ok(!Number.isNaN(Date.parse(k.created_at)), "created_at is a date-time");
  assert.ok(k.last_used === null || !Number.isNaN(Date.parse(k.last_used)), "last_used is null or a date-time");
  assert.equal(k.last_four.length, 4);
}

const mid = "mid_123456";
let baseUrl = process.env.INTEROP_BASE_URL ?? "";
let appKey = process.env.INTEROP_APP_KEY ?? "mock-app-key";
let appSecret = process.env.INTEROP_APP_SECRET ?? "mock-app-secret";
let mock: ChildProcess | undefined;

// startMock runs the double on a free loopback port and reads its base URL
// from the banner it prints.
async function startMock(program: string): Promise<string> {
  const child = spawn(program, ["-addr", "127.0.0.1:0", "-quiet", "-public-type", "publishable",
    "-app-key", appKey, "-app-secret", appSecret], { stdio: ["ignore", "pipe", "inherit"] });
  mock = child;
  // Whatever happens to the tests, the double does not outlive them.
  process.on("exit", () => child.kill("SIGTERM"));
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const m = /^ {2}base URL: +(\S+)$/.exec(line);
    if (m?.[1]) {
      lines.close();
      return m[1];
    }
  }
  throw new Error("the double ended before it printed its base URL");
}

before(async () => {
  if (baseUrl === "") {
    const program = process.env.INTEROP_MOCK;
    assert.ok(program, "set INTEROP_MOCK (the double's program) or INTEROP_BASE_URL");
    baseUrl = await startMock(program);
  }
});

after(async () => {
  if (mock && mock.exitCode === null) {
    const exited = once(mock, "exit");
    mock.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, "the double stops cleanly on SIGTERM");
  }
});

// older reports whether dotted version a is older than b (numeric parts;
// a missing part is 0).
export function older(a: string, b: string): boolean {
  const pa = a.split(".").map(Number), pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0, y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

// specCheck refuses a double older than the spec this client was generated
// from: every answer of the double says its spec's version in X-Spec-Version.
const specCheck: Middleware = {
  onResponse({ response }) {
    const v = response.headers.get("x-spec-version");
    if (v === null || !/^\d+(\.\d+)*$/.test(v) || older(v, specVersion)) {
      throw new Error(`the double implements spec ${v ?? "(no X-Spec-Version header)"}, older than the spec ${specVersion} this client was generated from: rebuild the double`);
    }
    return response;
  },
};

// client is an openapi-fetch client for the spec's paths; with a token, a
// middleware sends it as the spec's bearer scheme says. Every answer goes
// through specCheck first.
function client(token?: string) {
  const c = createClient<paths>({ baseUrl });
  c.use(specCheck);
  if (token !== undefined) {
    const auth: Middleware = {
      onRequest({ request }) {
        request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    c.use(auth);
  }
  return c;
}

// assertJSON checks that an answer is sent as the spec's application/json:
// openapi-fetch parses any body as JSON whatever its Content-Type says.
function assertJSON(response: Response, call: string): void {
  const type = response.headers.get("content-type") ?? "";
  assert.match(type, /^application\/json(;|$)/, `the ${call} answered ${type || "no Content-Type"}, not application/json`);
}

async function token(): Promise<string> {
  const { data, error, response } = await client().POST("/oauth2/token", {
    body: { AppKey: appKey, AppSecret: appSecret },
  });
  assert.equal(response.status, 200, `the token call answered ${response.status}: ${JSON.stringify(error)}`);
  assertJSON(response, "token call");
  assert.ok(data, "the token call answered no body");
  assert.equal(typeof data.accessToken, "string");
  assert.ok(data.accessToken.length > 0);
  // expires is milliseconds since the epoch: a JavaScript number holds it.
  assert.equal(typeof data.expires, "number");
  assert.ok(data.expires > Date.now(), "expires is in the future");
  return data.accessToken;
}

async function list(bearer: string): Promise<APIKey[]> {
  const { data, error, response } = await client(bearer).GET("/api-keys/{id}", {
    params: { path: { id: mid } },
  });
  assert.equal(response.status, 200, `the list call answered ${response.status}: ${JSON.stringify(error)}`);
  assertJSON(response, "list call");
  assert.ok(data, "the list call answered no body");
  assert.ok(Array.isArray(data.keys), "keys is a list");
  data.keys.forEach(assertListedKey);
  return data.keys;
}

describe("a TypeScript client generated from openapi.yaml, against the double", () => {
  test("gets a token with the app's credentials", async () => {
    await token();
  });

  test("lists the page's two keys with every field the spec requires", async () => {
    const keys = await list(await token());
    const byName = new Map(keys.map((k) => [k.name, k]));
    assert.deepEqual(byName.get("My API Key"), {
      name: "My API Key",
      type: "secret",
      created_at: "2024-11-16T12:00:00Z",
      last_used: "2024-11-18T10:00:00Z",
      last_four: "7dc0",
    });
    const frontend = byName.get("Frontend Key");
    assert.ok(frontend, "the page's Frontend Key is listed");
    // Never used: last_used is present and null, not absent.
    assert.ok(Object.hasOwn(frontend, "last_used"), "last_used is present");
    assert.equal(frontend.last_used, null);
    assert.equal(frontend.last_four, "3abc");
  });

  test("treats publishable and public alike, as client-side keys", async () => {
    const keys = await list(await token());
    const types = new Map(keys.map((k) => [k.name, k.type]));
    assert.equal(types.get("Frontend Key"), "publishable");
    assert.equal(isClientSide("publishable"), true);
    assert.equal(isClientSide("public"), true);
    assert.equal(isClientSide(types.get("My API Key") ?? "tokenization"), false);
  });

  test("gets the documented 401 without a token", async () => {
    const { data, error, response } = await client().GET("/api-keys/{id}", {
      params: { path: { id: mid } },
    });
    assert.equal(response.status, 401, "the list call without a token is refused with 401");
    assertJSON(response, "401");
    assert.equal(data, undefined);
    assert.ok(error, "the 401 has a body");
    assert.ok(Array.isArray(error.errors) && error.errors.length > 0, "the 401 body is an ErrorList");
    for (const m of error.errors) assert.equal(typeof m, "string");
  });

  test("creates a key, finds it by name and last four, revokes it and sees it gone", async () => {
    const bearer = await token();
    const name = `interop ${Date.now()}`;
    const created = await client(bearer).POST("/api-keys", {
      body: { mid, name, type: "public" },
    });
    assert.ok(created.response.status === 200 || created.response.status === 201,
      `the create call answered ${created.response.status}: ${JSON.stringify(created.error)}`);
    const key = created.data;
    assert.ok(key, "the create call answered no body");
    assert.equal(key.name, name);
    assert.equal(typeof key.value, "string");
    assert.equal(typeof key.id, "string");
    const lastFour = key.value.slice(-4);

    const found = (await list(bearer)).filter((k) => k.name === name && k.last_four === lastFour);
    assert.equal(found.length, 1, "the new key is listed once, by name and last four");
    const listed = found[0]!;
    assert.ok(isClientSide(listed.type), `a key created public is listed as ${listed.type}`);
    assert.equal(listed.last_used, null, "a new key was never used");
    assert.ok(!Object.values(listed).includes(key.value), "the listing never carries the key's value");

    const revoked = await client(bearer).DELETE("/api-keys/{id}", {
      params: { path: { id: key.id } },
    });
    assert.ok(revoked.response.status === 200 || revoked.response.status === 204,
      `the revoke call answered ${revoked.response.status}: ${JSON.stringify(revoked.error)}`);
    if (revoked.response.status === 200) {
      assert.equal(revoked.data?.success, true);
    }
    const after = (await list(bearer)).filter((k) => k.name === name);
    assert.deepEqual(after, [], "the revoked key is gone from the listing");
  });
});

// Faults on demand: the double answers the Prefer header Prism reads
// (docs/double.md#faults-on-demand-prefer), so a team tests its error
// handling through its own generated client.
// listPreferring is the list call with a Prefer header, and a deadline.
async function listPreferring(bearer: string, prefer: string, signal?: AbortSignal) {
  return client(bearer).GET("/api-keys/{id}", {
    params: { path: { id: mid } },
    headers: { Prefer: prefer },
    ...(signal ? { signal } : {}),
  });
}

// assertErrorList checks an error answer of the list call: the status asked
// for, as application/json, with the spec's ErrorList body.
function assertErrorList(answer: Awaited<ReturnType<typeof listPreferring>>, status: number): void {
  const { data, error, response } = answer;
  assert.equal(response.status, status, `the list call with Prefer: code=${status} answers ${status}`);
  assertJSON(response, String(status));
  assert.equal(data, undefined);
  assert.ok(error && Array.isArray(error.errors) && error.errors.length > 0, `the ${status} body is an ErrorList`);
  for (const m of error.errors) assert.equal(typeof m, "string");
}

describe("faults the client asks the double for with Prefer", () => {
  test("Prefer: code=500 gets the list page's 500 with its errors body", async () => {
    assertErrorList(await listPreferring(await token(), "code=500"), 500);
  });

  test("Prefer: code=429 gets a 429 with Retry-After and its errors body", async () => {
    const answer = await listPreferring(await token(), "code=429");
    assertErrorList(answer, 429);
    const retryAfter = answer.response.headers.get("retry-after") ?? "";
    assert.ok(/^\d+$/.test(retryAfter) || !Number.isNaN(Date.parse(retryAfter)),
      `Retry-After is seconds or an HTTP date: ${retryAfter || "(none)"}`);
  });

  test("Prefer: delay holds the answer back, and a client that gives up first gets no answer", async () => {
    const bearer = await token();
    const start = Date.now();
    const slow = await listPreferring(bearer, "delay=300ms");
    assert.equal(slow.response.status, 200);
    assert.ok(Date.now() - start >= 300, `the answer came after ${Date.now() - start} ms, before the 300 ms asked for`);
    await assert.rejects(listPreferring(bearer, "delay=30s", AbortSignal.timeout(200)),
      (err: Error) => err.name === "TimeoutError", "a client whose deadline comes first gives up");
  });
});
