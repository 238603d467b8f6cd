// The consumer gate's TypeScript side (.ci/consumers): each case of the
// corpus decoded by the clients generated from the spec under test,
//   - openapi-fetch over openapi-typescript's types: the call answers
//     without throwing, a 2xx as data and any other status as error;
//   - @hey-api/openapi-ts's zod schemas: the schema the spec declares for
//     the case's status and media type (for a 2xx, the operation's response
//     validator, as hey-api's SDK runs it) accepts the body;
//   - orval's fetch client, its answer's status the case's, a 2xx body
//     accepted by orval's zod schema for the operation's response;
//   - openapi-zod-client's Zodios client: a 2xx resolves (Zodios validates
//     it), any other status rejects with an error that isErrorFromAlias
//     matches, its status and body declared for the call.
// orval's, Zodios' and hey-api's SDK call a loopback server that answers the case.
// A decoded token answer's `expires` must make a Date (a bigint does not).
// One line per case a client cannot decode, or decodes though the case's
// `reject` names it; exit 1 when there is one, or when a client decoded no
// case or refused no forbidden one (a run that checked nothing).
// Then each client (for hey-api, its SDK) revokes a key whose id holds `/`,
// `?`, `#` and a space: the line says whether the client percent-encodes it
// as one path segment or sends it as given, and whether
// encodeURIComponent(id) first makes the path right (.ci/consumers/run
// holds the docs to it).
//   node decode.js SPEC CASES.json
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import createClient from "openapi-fetch";
import type { paths } from "./openapi.js";
import * as zod from "./hey/zod.gen.js";
import * as heySdk from "./hey/sdk.gen.js";
import { client as heyClient } from "./hey/client.gen.js";
import * as orvalFetch from "./orval/fetch.js";
import * as orvalZod from "./orval/zod.js";
import { createApiClient } from "./ozc/client.js";
import { isErrorFromAlias } from "./ozc/zodios.js";

// reject: the decoders that must refuse the case, an answer the spec forbids.
interface Case { name: string; op: string; status: number; contentType: string; body: string; reject?: string[] }

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const yaml: any = require("js-yaml");
const [specPath, casesPath] = process.argv.slice(2) as [string, string];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec: any = yaml.load(readFileSync(specPath, "utf8"));
const cases: Case[] = JSON.parse(readFileSync(casesPath, "utf8"));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const deref = (o: any): any => {
  while (o && o.$ref) o = (o.$ref as string).split("/").slice(1).reduce((v: any, k: string) => v[k], spec);
  return o;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const operations = new Map<string, { path: string; method: string; op: any }>();
for (const [path, item] of Object.entries<any>(spec.paths)) {
  for (const [method, op] of Object.entries<any>(item)) {
    if (op?.operationId) operations.set(op.operationId, { path, method, op });
  }
}
const requestBodies: Record<string, unknown> = {
  createToken: { AppKey: "app_key_example", AppSecret: "app_secret_example" },
  createApiKey: { mid: "mid_123456", name: "My API Key", type: "secret" },
};

// lastPath is the path and query of the last request a client sent.
let lastPath = "";
const replay = (c: Case) => async (req: Request): Promise<Response> => {
  const u = new URL(req.url);
  lastPath = u.pathname + u.search + u.hash;
  const headers = new Headers();
  if (c.contentType) headers.set("Content-Type", c.contentType);
  return new Response(c.status === 204 ? null : c.body, { status: c.status, headers });
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dateOf = (data: any, c: Case): string | undefined => {
  if (c.op !== "createToken" || c.status !== 200 || data == null) return undefined;
  try {
    const d = new Date(data.expires);
    return Number.isNaN(d.getTime()) ? "expires makes no Date" : undefined;
  } catch (e) {
    return `new Date(expires) throws: ${(e as Error).name} (expires is a ${typeof data.expires})`;
  }
};

async function openapiFetch(c: Case, id = "mid_123456"): Promise<string | undefined> {
  const o = operations.get(c.op);
  if (!o) return `no operation ${c.op}`;
  const client = createClient<paths>({ baseUrl: "http://replay.invalid/v1", fetch: replay(c) });
  const param = (o.path.match(/\{(\w+)\}/) ?? [])[1];
  const init = { params: { path: param ? { [param]: id } : {} }, body: requestBodies[c.op] };
  // The path is the spec's under test, so the call is made untyped here;
  // typecheck.ts holds the typed checks.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const r = await (client as any)[o.method.toUpperCase()](o.path, init);
  if (c.status < 300 && r.error !== undefined) return `a ${c.status} came back as an error`;
  if (c.status >= 300 && r.error === undefined) return `a ${c.status} came back as data`;
  return dateOf(r.data, c);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zodByName = new Map<string, any>(Object.entries(zod).map(([k, v]) => [k.toLowerCase(), v]));

function heyZod(c: Case): string | undefined {
  const o = operations.get(c.op);
  if (!o) return `no operation ${c.op}`;
  const rs = o.op.responses ?? {};
  const resp = deref(rs[String(c.status)] ?? rs[`${String(c.status)[0]}XX`] ?? rs.default);
  if (!resp) return `status ${c.status} is not declared`;
  if (c.body === "") return resp.content ? `status ${c.status} declares a body; the answer has none` : undefined;
  const mt = c.contentType.split(";")[0]!.trim().toLowerCase();
  const media = resp.content?.[mt];
  if (!media) return `status ${c.status} declares no ${mt || "(no media type)"} body`;
  let schema = c.status < 300 ? zodByName.get(`z${c.op}response`) : undefined;
  if (!schema) {
    const ref: string | undefined = media.schema?.$ref;
    schema = ref ? zodByName.get("z" + ref.split("/").pop()!.toLowerCase()) : undefined;
  }
  if (!schema) return `no zod schema for status ${c.status} ${mt}`;
  const r = schema.safeParse(JSON.parse(c.body));
  if (!r.success) {
    // Paths and codes only: an issue's message or input can quote a value.
    return "zod: " + r.error.issues.map((i: { path: PropertyKey[]; code: string }) => `${i.path.join("/") || "(root)"} ${i.code}`).join("; ");
  }
  return dateOf(r.data, c);
}

// The loopback server orval's and Zodios' clients call: it answers the
// case in `serving` and records the path it was asked for.
let serving: Case | undefined;
const server = createServer((req, res) => {
  lastPath = req.url ?? "";
  req.resume();
  req.on("end", () => {
    const c = serving!;
    res.writeHead(c.status, c.contentType ? { "Content-Type": c.contentType } : {});
    res.end(c.status === 204 ? undefined : c.body);
  });
});
await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
// orval's fetch client calls fetch with the spec's path alone, as a team's
// does behind its own base URL.
const fetchOf = globalThis.fetch;
globalThis.fetch = (input, init) => fetchOf(typeof input === "string" && input.startsWith("/") ? base + input : input, init);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const orvalZodOf = new Map<string, any>(Object.entries(orvalZod).map(([k, v]) => [k.toLowerCase(), v]));

async function orval(c: Case, id = "mid_123456"): Promise<string | undefined> {
  serving = c;
  // orval names each call for its operation; it takes the path's id or the
  // request body (no call takes both).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const r = await (orvalFetch as any)[c.op](requestBodies[c.op] ?? id);
  if (r.status !== c.status) return `the answer's status is ${r.status}`;
  if (c.status >= 300 || c.body === "") return undefined;
  const schema = orvalZodOf.get(`${c.op}response`.toLowerCase());
  if (!schema) return `no zod schema for ${c.op}'s response`;
  const z = schema.safeParse(r.data);
  if (!z.success) return "zod: " + z.error.issues.map((i: { path: PropertyKey[]; code: string }) => `${i.path.join("/") || "(root)"} ${i.code}`).join("; ");
  return dateOf(z.data, c);
}

const zodios = createApiClient(base, { validate: true });
async function openapiZodClient(c: Case, id = "mid_123456"): Promise<string | undefined> {
  serving = c;
  const o = operations.get(c.op);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ep = (zodios.api as readonly any[]).find((e) => e.alias === c.op);
  if (!o || !ep) return `no operation ${c.op}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const data = await (zodios as any).request({ method: ep.method, url: ep.path, params: { id }, data: requestBodies[c.op] });
    if (c.status >= 300) return `a ${c.status} came back as data`;
    return dateOf(data, c);
  } catch (e) {
    if (c.status < 300) throw e;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (!isErrorFromAlias(zodios.api, c.op as any, e)) return `a ${c.status} matches none of the call's declared errors`;
    return undefined;
  }
}

// hey-api's SDK calls the spec's first server unless told otherwise.
heyClient.setConfig({ baseUrl: base });
const revoked: Case = { name: "a revoke of a key whose id holds / ? # and a space", op: "revokeApiKey", status: 204, contentType: "", body: "" };
// revoke: how the client revokes a key by id, when decode does not send
// (hey-api's zod schemas only judge a body; its SDK sends).
type Decoder = { name: string; decode: (c: Case, id?: string) => Promise<string | undefined>; revoke?: (id: string) => Promise<string | undefined> };
const decoders: Decoder[] = [
  { name: "openapi-fetch", decode: openapiFetch },
  {
    name: "@hey-api/openapi-ts zod", decode: async (c) => heyZod(c),
    revoke: async (id) => {
      serving = revoked;
      const r = await heySdk.revokeApiKey({ path: { id } });
      return r.error === undefined ? undefined : `a ${r.response.status}`;
    },
  },
  { name: "orval", decode: orval },
  { name: "openapi-zod-client", decode: openapiZodClient },
];

let failed = 0;
for (const { name, decode } of decoders) {
  let bad = 0, decoded = 0, refused = 0;
  for (const c of cases) {
    let why: string | undefined;
    try {
      why = await decode(c);
    } catch (e) {
      why = `threw ${(e as Error).name}`;
    }
    if (c.reject?.includes(name)) {
      if (why) refused++;
      else {
        bad++;
        console.log(`${name}: ${c.name}: decoded, though the spec forbids it: the decoder judges nothing`);
      }
    } else if (why) {
      bad++;
      console.log(`${name}: ${c.name}: ${why}`);
    } else decoded++;
  }
  console.log(`${name}: ${decoded} cases decoded, ${refused} forbidden answers refused`);
  if (decoded === 0 || refused === 0) {
    // A run that checked nothing is not green.
    bad++;
    console.log(`${name}: no case decoded or no forbidden answer refused: the run checked nothing`);
  }
  failed += bad;
}

// A key id holding reserved characters, revoked through each client.
// Right: one path segment, however escaped, that unescapes to the id.
const pathID = "key/1?x=2#3 4";
const right = (path: string): boolean => {
  const seg = path.startsWith("/v1/api-keys/") ? path.slice("/v1/api-keys/".length) : undefined;
  try {
    return seg !== undefined && !/[/?#]/.test(seg) && decodeURIComponent(seg) === pathID;
  } catch {
    return false;
  }
};
for (const { name, decode, revoke = (id: string) => decode(revoked, id) } of decoders) {
  const sent = async (id: string) => {
    lastPath = "";
    const why = await revoke(id).catch((e: Error) => `threw ${e.name}`);
    return why ? `(${why})` : lastPath;
  };
  const given = await sent(pathID);
  if (right(given)) console.log(`path id: ${name}: encodes`);
  else if (right(await sent(encodeURIComponent(pathID)))) console.log(`path id: ${name}: sends it as given`);
  else {
    failed++;
    console.log(`path id: ${name}: sent ${given}, and ${await sent(encodeURIComponent(pathID))} for the id encoded first; want /v1/api-keys/${encodeURIComponent(pathID)}`);
  }
}
server.close();
process.exitCode = failed > 0 ? 1 : 0;
