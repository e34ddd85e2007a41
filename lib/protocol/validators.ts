// Validators of chatwire's fixed schemas without a schema compiler at run time: the check is the code typebox's
// compiler would build, generated at build time (./validators.generated.ts, from ./checked-schemas.ts); the errors of
// a value that failed it come from typebox/schema, loaded at the first failure (require of an ES module: Node 20.19+).
import type { Static, TSchema } from "typebox";
import type { Errors as SchemaErrors } from "typebox/schema";
import type { declaredSchemas } from "./checked-schemas.ts";
import type { ClientFrameType } from "./client.ts";
import { shippedSchemas } from "./schemas.generated.ts";
import { declaredChecks, frameChecks } from "./validators.generated.ts";

/** What typebox/compile's validators offer that chatwire uses. */
export interface Validator<T> {
  Check(value: unknown): value is T;
  /** The errors of a value, typebox's own (same fields, same messages); none when it passes. */
  Errors(value: unknown): Iterable<unknown>;
}

let errorsOf: typeof SchemaErrors | undefined;

type Require = (id: string) => unknown;
type NodeProcess = { getBuiltinModule?(id: "node:module"): { createRequire(from: string): Require } };

/** Loads a module synchronously, at first use (node:module through `process`: this file is typed without Node's
 * types, for chatwire/react's program). Undefined where there is no such thing (a browser). */
function requireNow(id: string): unknown {
  const process = (globalThis as { process?: NodeProcess }).process;
  return process?.getBuiltinModule?.("node:module").createRequire(import.meta.url)(id);
}

/** The errors of a value that failed its check: typebox's own, or one unnamed error where nothing can be loaded. */
function errorsOfValue(schema: TSchema, value: unknown): Iterable<unknown> {
  errorsOf ??= (requireNow("typebox/schema") as { Errors: typeof SchemaErrors } | undefined)?.Errors;
  return errorsOf === undefined ? [{ instancePath: "", message: "is invalid" }] : errorsOf({}, schema, value)[1];
}

/** A generated check, with typebox's errors for the values that fail it. */
class GeneratedValidator<S extends TSchema> implements Validator<Static<S>> {
  readonly #schema: S;
  readonly #check: (value: unknown) => boolean;

  constructor(schema: S, check: ((value: unknown) => boolean) | undefined) {
    if (check === undefined) throw new Error("validators.generated.ts is out of date: run npm run build");
    this.#schema = schema;
    this.#check = check;
  }

  Check(value: unknown): value is Static<S> {
    return this.#check(value);
  }

  Errors(value: unknown): Iterable<unknown> {
    return this.#check(value) ? [] : errorsOfValue(this.#schema, value);
  }
}

/** The validator of one client frame type. */
export const frameValidator = <T extends ClientFrameType>(type: T) =>
  new GeneratedValidator(shippedSchemas.frames[type], frameChecks[type]);

/** The validator of one shape an app declares (commands, modes, a settings input, profiles, starters, a user). */
export const declaredValidator = <K extends keyof typeof declaredSchemas>(name: K) =>
  new GeneratedValidator(shippedSchemas.declared[name], declaredChecks[name]);

/** A validator compiled by typebox/compile at its first use, for a schema checked too rarely to generate (a login
 * body, an AG-UI request): a server that never sees one never loads the compiler. */
export function compiledAtFirstUse<S extends TSchema>(schema: S): Validator<Static<S>> {
  return new ValidatorAtFirstUse(schema);
}

class ValidatorAtFirstUse<S extends TSchema> implements Validator<Static<S>> {
  readonly #schema: S;
  #compiled: Validator<Static<S>> | undefined;

  constructor(schema: S) {
    this.#schema = schema;
  }

  get #validator(): Validator<Static<S>> {
    if (this.#compiled !== undefined) return this.#compiled;
    const loaded = requireNow("typebox/compile") as typeof import("typebox/compile") | undefined;
    if (loaded === undefined) throw new Error("compiling a validator needs Node.js 20.19 or newer");
    this.#compiled = loaded.Compile(this.#schema) as unknown as Validator<Static<S>>;
    return this.#compiled;
  }

  Check(value: unknown): value is Static<S> {
    return this.#validator.Check(value);
  }

  Errors(value: unknown): Iterable<unknown> {
    return this.#validator.Errors(value);
  }
}
