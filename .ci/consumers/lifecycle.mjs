// The consumer gate's scripted run (.ci/consumers): token, create a public
// and a secret key, list, revoke both, list again, against BASE (the double,
// or Prism's validating proxy in front of it). Each answer is recorded as a
// case {name, op, status, contentType, body} for the generated clients to
// decode. The recorded bodies hold key values and a token: they stay in the
// gate's temporary directory and are never printed.
// appSecret is the gate's canary (.ci/consumers/run), which the doubles it
// starts are given.
export async function lifecycle(base, { appKey = "mock-app-key", appSecret = process.env.CONSUMERS_APP_SECRET ?? "mock-app-secret", mid = "mid_consumers", tag = "run", headers = {} } = {}) {
  const cases = [];
  const call = async (name, op, method, path, body, token) => {
    const h = { Accept: "application/json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    if (token) h.Authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20000) });
    const text = await res.text();
    const c = { name: `${tag}: ${name}`, op, status: res.status, contentType: res.headers.get("content-type") ?? "", body: text, headers: Object.fromEntries(res.headers) };
    cases.push(c);
    return c;
  };
  const parse = (c, what) => {
    try { return JSON.parse(c.body); } catch { throw new Error(`${c.name}: the ${what} answer (${c.status}) is not JSON`); }
  };
  const tok = await call("token", "createToken", "POST", "/oauth2/token", { AppKey: appKey, AppSecret: appSecret });
  if (tok.status !== 200) throw new Error(`${tok.name}: answered ${tok.status}`);
  const token = parse(tok, "token").accessToken;
  const made = [];
  for (const type of ["public", "secret"]) {
    const c = await call(`create ${type}`, "createApiKey", "POST", "/api-keys", { mid, name: `consumers ${tag} ${type}`, type }, token);
    if (c.status !== 200 && c.status !== 201) throw new Error(`${c.name}: answered ${c.status}`);
    made.push(parse(c, "create").id);
  }
  await call("list with both keys", "listApiKeys", "GET", `/api-keys/${encodeURIComponent(mid)}`, undefined, token);
  for (const id of made) {
    const c = await call("revoke", "revokeApiKey", "DELETE", `/api-keys/${encodeURIComponent(id)}`, undefined, token);
    if (c.status !== 200 && c.status !== 204) throw new Error(`${c.name}: answered ${c.status}`);
  }
  await call("list once revoked", "listApiKeys", "GET", `/api-keys/${encodeURIComponent(mid)}`, undefined, token);
  await call("list without a token", "listApiKeys", "GET", `/api-keys/${encodeURIComponent(mid)}`, undefined, undefined);
  return cases;
}
