// What a TypeScript team gets from openapi.yaml, type-checked by `make interop`
// (`tsc --strict`, in one run with client.test.ts). ./openapi is not committed: .ci/spec generates it
// with openapi-typescript next to a copy of this file on every run, so it can
// never be stale.
//
// Each assignment below must compile, and each line after a
// `@ts-expect-error` must not: tsc fails when such a line compiles, so the
// checks prove the generated types reject what the spec forbids.
import type { components, operations, paths } from "./openapi.js";

type Schemas = components["schemas"];
export type APIKeyList = Schemas["APIKeyList"];
export type APIKey = Schemas["APIKey"];
export type APIKeyType = Schemas["APIKeyType"];
export type ErrorList = Schemas["ErrorList"];
export type ModelStateError = Schemas["ModelStateError"];

type ListAPIKeys = paths["/api-keys/{id}"]["get"];
type JSONOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
export type ListOK = JSONOf<ListAPIKeys["responses"][200]>;
export type ListUnauthorized = JSONOf<ListAPIKeys["responses"][401]>;
export type ListServerError = JSONOf<ListAPIKeys["responses"][500]>;
export type TokenRequest = JSONOf<NonNullable<operations["createToken"]["requestBody"]>>;
export type TokenOK = JSONOf<operations["createToken"]["responses"][200]>;
type ProblemOf<R> = R extends { content: { "application/problem+json": infer B } } ? B : never;
export type TokenInvalid = ProblemOf<operations["createToken"]["responses"][400]>;

// The list page's example, as the page prints it: a secret key and a
// publishable key that was never used (last_used is null).
export const twoKeys: ListOK = {
  keys: [
    {
      name: "My API Key",
      type: "secret",
      created_at: "2024-11-16T12:00:00Z",
      last_used: "2024-11-18T10:00:00Z",
      last_four: "7dc0",
    },
    {
      name: "Frontend Key",
      type: "publishable",
      created_at: "2024-11-10T08:30:00Z",
      last_used: null,
      last_four: "3abc",
    },
  ],
};
export const noKeys: ListOK = { keys: [] };
export const unauthorized: ListUnauthorized = {
  errors: ["Authentication failed. Invalid bearer token."],
};
export const serverError: ListServerError = {
  errors: ["An unexpected error occurred. Please try again later."],
};

// The 200 body is the APIKeyList schema, not some look-alike.
export const sameList: APIKeyList = twoKeys;

// The token call: both credentials, and the answer with FlexFactor's envelope,
// whose undocumented fields take any JSON value, null included.
export const credentials: TokenRequest = { AppKey: "app_key_example", AppSecret: "app_secret_example" };
export const issued: TokenOK = {
  accessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl",
  refreshToken: "8d2f0c1e-refresh-example",
  expires: 1732017600000,
  id: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  success: true,
  result: null,
  status: null,
  statusCode: null,
  errors: [],
  customProperties: { region: "eu" },
};

// The ModelState body of FlexFactor's errors page decodes into its own type,
// which is what the token call answers a body that fails validation with.
export const validation: ModelStateError = {
  status: 400,
  title: "One or more validation errors occurred.",
  errors: { mid: ["The mid field is required."] },
};
export const tokenInvalid: TokenInvalid = {
  status: 400,
  title: "One or more validation errors occurred.",
  errors: { AppSecret: ["The AppSecret field is required."] },
};
export const sameModelState: ModelStateError = tokenInvalid;

// The key type is exactly the four documented values: this switch is
// exhaustive only if no value is missing, and `never` rejects any extra one.
export function isPublicKeyType(t: APIKeyType): boolean {
  switch (t) {
    case "public":
    case "publishable":
      return true;
    case "secret":
    case "tokenization":
      return false;
    default: {
      const unknownType: never = t;
      return unknownType;
    }
  }
}

// last_used is a string or null, and nothing else.
export function lastUsed(k: APIKey): string | null {
  return k.last_used;
}

// What the types must reject.

// @ts-expect-error "private" is not a documented key type.
export const undocumentedType: APIKeyType = "private";

// @ts-expect-error last_used is never absent, even for a key never used.
export const withoutLastUsed: APIKey = { name: "n", type: "secret", created_at: "2024-11-16T12:00:00Z", last_four: "7dc0" };

// @ts-expect-error last_used is a date-time string or null, not a number.
export const numericLastUsed: APIKey = { name: "n", type: "secret", created_at: "2024-11-16T12:00:00Z", last_used: 0, last_four: "7dc0" };

// @ts-expect-error the list is required.
export const withoutKeys: ListOK = {};

// @ts-expect-error the list page's errors are strings, not ModelState's object.
export const modelStateAsList: ListUnauthorized = { errors: { mid: ["required"] } };

// @ts-expect-error both credentials are required.
export const withoutSecret: TokenRequest = { AppKey: "app_key_example" };

// @ts-expect-error expires is milliseconds since the epoch, a number.
export const textExpiry: TokenOK = { accessToken: "a", refreshToken: "r", expires: "2024-11-19T12:00:00Z" };

// @ts-expect-error the token call's 400 maps each field to messages, not a list.
export const tokenInvalidAsList: TokenInvalid = { errors: ["The AppSecret field is required."] };

// Create and revoke (0.2.0). Revoke shares the list call's path item
// (discrepancy 11): since 0.3.0 its path parameter, like the list call's, is
// named id, and carries the key's id. Each failure is declared under its own
// status (D13), never default or a range (4XX, until 0.4.0).
type CreateAPIKey = operations["createApiKey"];
type RevokeAPIKey = operations["revokeApiKey"];
export type CreateRequest = JSONOf<NonNullable<CreateAPIKey["requestBody"]>>;
export type Created = JSONOf<CreateAPIKey["responses"][201]>;
export type CreateFailed = JSONOf<CreateAPIKey["responses"][404]>;
export type Revoked = JSONOf<RevokeAPIKey["responses"][200]>;
export type RevokeFailed = JSONOf<RevokeAPIKey["responses"][404]>;

export const createSecret: CreateRequest = {
  mid: "mid_123456",
  name: "My API Key",
  type: "secret",
  scopes: ["customers:read"],
};
export const created: Created = {
  id: "key_abc123",
  mid: "mid_123456",
  name: "My API Key",
  type: "secret",
  value: "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
  created_at: "2024-11-16T12:00:00Z",
};
export const createFailed: CreateFailed = {
  type: null,
  value: null,
  errors: ["The merchant was not found."],
};
export const revoked: Revoked = { status: "SUCCESS", success: true, result: "Revoked.", errors: [] };
export const notFound: RevokeFailed = { status: "FAILED", success: false, result: null, errors: ["Key not found."] };
export const revokeParams: RevokeAPIKey["parameters"]["path"] = { id: "key_abc123" };

// A listed key's type is open (ListedAPIKeyType, D1): a value the spec does
// not know compiles, while APIKeyType above keeps the known ones.
export const listedUnknownType: APIKey = { name: "n", type: "restricted", created_at: "2024-11-16T12:00:00Z", last_used: null, last_four: "7dc0" };

// @ts-expect-error: a key is created secret, public or tokenization, never publishable
export const createPublishable: CreateRequest = { mid: "m", name: "k", type: "publishable" };
// @ts-expect-error: the spec requires the created key's id (discrepancy 12)
export const createdWithoutID: Created = { mid: "m", name: "k", type: "secret", value: "v", created_at: "2024-11-16T12:00:00Z" };
// @ts-expect-error: a failed revoke's errors are strings
export const revokeBadErrors: RevokeFailed = { success: false, errors: [1] };
