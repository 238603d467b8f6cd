// The consumer gate's TypeScript side (.ci/consumers): each case of the
// corpus decoded by two clients generated from the spec under test,
//   - openapi-fetch over openapi-typescript's types: the call answers
//     without throwing, a 2xx as data and any other status as error;
//   - @hey-api/openapi-ts's zod schemas: the schema the spec declares for
//     the case's status and media type (for a 2xx, the operation's response
//     validator, as hey-api's SDK runs it) accepts the body.
// A decoded token answer's `expires` must make a Date (a bigint does not).
// One line per case a client cannot decode, or decodes though the case's
// `reject` names it; exit 1 when there is one, or when a client decoded no
// case or refused no forbidden one (a run that checked nothing).
//   node decode.js SPEC CASES.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import createClient from "openapi-fetch";
import type { paths } from "./openapi.js";
import * as zod from "./hey/zod.gen.js";

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

const replay = (c: Case) => async (): Promise<Response> => {
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

async function openapiFetch(c: Case): Promise<string | undefined> {
  const o = operations.get(c.op);
  if (!o) return `no operation ${c.op}`;
  const client = createClient<paths>({ baseUrl: "http://replay.invalid/v1", fetch: replay(c) });
  const param = (o.path.match(/\{(\w+)\}/) ?? [])[1];
  const init = { params: { path: param ? { [param]: "mid_123456" } : {} }, body: requestBodies[c.op] };
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

let failed = 0;
for (const [name, decode] of [["openapi-fetch", openapiFetch], ["@hey-api/openapi-ts zod", heyZod]] as const) {
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
process.exitCode = failed > 0 ? 1 : 0;
