// The HTTP routes' own parameters, headers and bodies (the thread routes' shapes clients use are in ./threads.ts).
// Declared once with typebox; the routes use the copies generated at build time (./schemas.generated.ts).
import { Type } from "typebox";
import { THREAD_SECRET_HEADER } from "./constants.ts";
import { User } from "./views.ts";

/** `:id` of the thread routes (lib/data/routes.ts, lib/gateway/share-routes.ts). */
export const ThreadParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** The anonymous thread's secret, when a request carries one. */
export const SecretHeaders = Type.Object({ [THREAD_SECRET_HEADER]: Type.Optional(Type.String({ maxLength: 256 })) });

/** `GET /files/:id`: the file and its signed URL's expiry and signature. */
export const FileParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const FileQuery = Type.Object({
  exp: Type.Optional(Type.String({ maxLength: 20 })),
  sig: Type.Optional(Type.String({ maxLength: 128 })),
});

/** The login request body. */
export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

/** The login response: the user and the token (for clients that send `Authorization: Bearer`). */
export const LoginReply = Type.Object({ user: User, token: Type.String() });

/** A refused login's body. */
export const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });
