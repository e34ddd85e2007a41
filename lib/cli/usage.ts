// The CLI's help texts: `chatwire --help` and `chatwire run --help`. Every option with the environment variable
// that sets it too (docs/cli.md says the same at more length).

export const usage = `usage: chatwire run <app.ts> [--watch] [--port 8000] [--host 127.0.0.1] [--env-file .env]
       chatwire hello [--port 8000] [--host 127.0.0.1]
       chatwire init [dir]
       chatwire --version

chatwire run --help lists run's options and the environment variables chatwire reads.`;

export const runUsage = `usage: chatwire run <app> [options]

Serves <app> (.ts, .tsx, .mts, .cts, .js, .mjs), a module that registers hooks (onMessage, …), with the playground
page at http://HOST:PORT/ and the chat socket at /ws.

Options:
  -w, --watch          reload the app when it or a local module under its directory changes (node_modules and
                       hidden directories excepted); open conversations carry on with the new handlers
  --port <n>           port to listen on                                  env PORT, default 8000 (0: any free one)
  --host <h>           address to listen on                               env HOST, default 127.0.0.1
  --env-file <path>    read variables from a .env file first (the ones already set win)
  -h, --help           this text

Environment:
  DATABASE_URL          a postgres:// URL stores threads in PostgreSQL; unset, in SQLite under .chatwire/
  CHATWIRE_CLUSTER      1: join the cluster on DATABASE_URL (a live session resumes on any node)
  CHATWIRE_AUTH_SECRET  signs login tokens (32 bytes or more), when the app registers passwordAuth or oauthCallback
  CHATWIRE_OAUTH_PROVIDERS  OpenID Connect provider ids (comma-separated) for oauthCallback; for each <ID>:
                        CHATWIRE_OAUTH_<ID>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _SCOPES, _NAME (docs/auth.md)
  CHATWIRE_PUBLIC_URL   the public origin for providers' redirect URIs (default: the request's host)
  CHATWIRE_FILE_SECRET  signs file URLs and upload tickets (default: the auth secret, else a random one)
  CHATWIRE_S3_BUCKET    keeps files' bytes in this S3-compatible bucket; with CHATWIRE_S3_ENDPOINT, _REGION,
                        _FORCE_PATH_STYLE, _PREFIX (docs/deployment.md)
  CHATWIRE_CACHE_DIR    where transpiled TypeScript is kept (empty: nowhere); default .cache/chatwire in the
                        nearest node_modules above the app, else a private directory in the OS temp dir
  LOG_LEVEL             the server's log level (default info)
  NODE_ENV              production: login cookies are Secure`;
