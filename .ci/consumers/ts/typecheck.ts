// Compile-time checks of openapi-typescript's types (.ci/consumers): what a
// TypeScript team's code needs from the spec. tsc fails on a line here when
// the spec takes it away.
import type { components, operations } from "./openapi.js";

type Schemas = components["schemas"];
type Body<Op extends keyof operations, S extends keyof operations[Op]["responses"], M extends string> =
  operations[Op]["responses"][S] extends { content: Record<M, infer B> } ? B : never;

// A listing may name a key type the spec does not list: the type is open.
export const unknownType: Schemas["APIKey"]["type"] = "restricted" as string;
// The known values still complete: "secret" is one of them.
export const secret: Schemas["APIKeyType"] = "secret";
// expires is a number: new Date takes it.
export const expiry = (t: Schemas["TokenResponse"]): Date => new Date(t.expires);
// A ModelState error can come from every call, as either JSON media type.
const modelState: Schemas["ModelStateError"] = { errors: { field: ["invalid"] } };
export const fromToken: Body<"createToken", 400, "application/json"> = modelState;
export const fromCreate: Body<"createApiKey", 400, "application/json"> = modelState;
export const fromList: Body<"listApiKeys", 400, "application/json"> = modelState;
export const fromRevoke: Body<"revokeApiKey", 400, "application/json"> = modelState;
export const fromListProblem: Body<"listApiKeys", 400, "application/problem+json"> = modelState;
