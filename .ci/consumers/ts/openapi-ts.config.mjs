// @hey-api/openapi-ts in the consumer gate (.ci/consumers/run): the zod
// schemas decode.ts judges bodies with, and the SDK it sends a path id
// through. Imports end in .js, as tsconfig.json's nodenext wants (hey-api
// reads no tsconfig of ours).
export default {
  input: "openapi.yaml",
  output: { path: "hey", importFileExtension: ".js" },
  plugins: ["zod", "@hey-api/typescript", "@hey-api/client-fetch", "@hey-api/sdk"],
};
