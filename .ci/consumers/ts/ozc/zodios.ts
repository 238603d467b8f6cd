// Re-exports what the gate needs of @zodios/core, which npm keeps beside
// openapi-zod-client with zod 3 (.ci/consumers/run links it into this
// directory only), so that decode.ts and the generated client share one copy.
export { isErrorFromAlias } from "@zodios/core";
