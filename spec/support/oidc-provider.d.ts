// The little of oidc-provider (a devDependency with no types of its own) that spec/auth/oidc.test.ts uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface Account {
    readonly accountId: string;
    claims(): Record<string, unknown>;
  }

  export default class Provider {
    constructor(
      issuer: string,
      configuration: {
        readonly clients: readonly Record<string, unknown>[];
        readonly findAccount: (ctx: unknown, id: string) => Account | Promise<Account | undefined>;
        readonly claims?: Record<string, readonly string[]>;
        readonly features?: Record<string, { readonly enabled: boolean }>;
        readonly cookies?: { readonly keys: readonly string[] };
      },
    );
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
