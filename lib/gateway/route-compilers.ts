// chatwire's HTTP routes build their schemas' validators (ajv) and serialisers (fast-json-stringify) at each route's
// first request instead of at `ready`: ~50 ms of CPU at start (docs/performance.md, issue 19) for routes a server
// may never be asked. They are Fastify's own default compilers with its default options, so a bad request gets the
// same 400 as before, only later built; the ones for routes an app adds itself are untouched (set on chatwire's
// encapsulated context only). A host's own `ajv` options no longer reach chatwire's routes: they validate alike in
// every host.
import { createRequire } from "node:module";
import type { FastifySchemaCompiler, FastifySerializerCompiler } from "fastify";

/** What Fastify hands a validator or serializer compiler for one part of one route. */
interface RouteSchema {
  readonly schema: unknown;
  readonly method: string;
  readonly url: string;
  readonly httpPart?: string;
  readonly httpStatus?: string;
  readonly contentType?: string;
}

/** An ajv validate function (Fastify reads `errors` after a failed call and passes `schemaEnv`'s context). */
type Validate = ReturnType<FastifySchemaCompiler<unknown>> & { readonly schemaEnv?: unknown };
type Serialize = ReturnType<FastifySerializerCompiler<unknown>>;
type Compiler<F> = (route: RouteSchema) => F;

/** A module of Fastify's own dependencies, resolved from fastify's place (they are not chatwire's). */
const fastifyDependency = (id: string): unknown => createRequire(createRequire(import.meta.url).resolve("fastify"))(id);

let validators: Compiler<Validate> | undefined;
let serializers: Compiler<Serialize> | undefined;

/** Fastify's default validator compiler (@fastify/ajv-compiler), as `createServer` configures it. */
function defaultValidators(): Compiler<Validate> {
  type Factory = () => (external: object, options: object) => Compiler<Validate>;
  // The schemas are typebox's, valid by construction: no checking them against the meta-schema (lib/server.ts).
  validators ??= (fastifyDependency("@fastify/ajv-compiler") as Factory)()(
    {},
    { customOptions: { validateSchema: false }, plugins: [] },
  );
  return validators;
}

/** Fastify's default serializer compiler (@fastify/fast-json-stringify-compiler). */
function defaultSerializers(): Compiler<Serialize> {
  type Factory = () => (external: object, options: object | undefined) => Compiler<Serialize>;
  serializers ??= (fastifyDependency("@fastify/fast-json-stringify-compiler") as Factory)()({}, undefined);
  return serializers;
}

/** Fastify lowercases a headers schema's names for its own compiler only: with this one they must be lowercase. */
function checkHeaderNames(route: RouteSchema): void {
  const { properties = {}, required = [] } = (route.schema ?? {}) as { properties?: object; required?: string[] };
  const upper = [...Object.keys(properties), ...required].find((name) => name !== name.toLowerCase());
  if (upper !== undefined) throw new Error(`${route.method} ${route.url}: header "${upper}" must be lowercase`);
}

/** A validator that is compiled at its first use. Fastify reads `schemaEnv` before each call: compiled by then. */
export function validatorAtFirstRequest(route: RouteSchema): Validate {
  if (route.httpPart === "headers") checkHeaderNames(route);
  let compiled: Validate | undefined;
  const compile = (): Validate => {
    compiled ??= defaultValidators()(route);
    return compiled;
  };
  const validate = (...args: Parameters<Validate>) => compile()(...args);
  return Object.defineProperties(validate, {
    errors: { get: () => compiled?.errors },
    schemaEnv: { get: () => compile().schemaEnv },
  }) as Validate;
}

/** A serializer that is compiled at its first use. */
export function serializerAtFirstRequest(route: RouteSchema): Serialize {
  let compiled: Serialize | undefined;
  return (data) => {
    compiled ??= defaultSerializers()(route);
    return compiled(data);
  };
}
