// Every schema the server uses at run time: the error codes, the checked frames and declared shapes, the HTTP
// routes'. Declared with typebox where they are; bin/build-schemas.ts writes them out as data at build time
// (./schemas.generated.ts), so that the running server never loads typebox's type builders (~370 modules).
import { checkedSchemas } from "./checked-schemas.ts";
import { ErrorCode } from "./error-codes.ts";
import {
  ErrorReply,
  FileParams,
  FileQuery,
  LoginBody,
  LoginReply,
  SecretHeaders,
  ThreadParams,
} from "./route-schemas.ts";
import { ListThreadsQuery, RenameThreadBody, SharedThread, ThreadList, ThreadShare, ThreadSummary } from "./threads.ts";

export const shippedSchemas = {
  errorCode: ErrorCode,
  frames: checkedSchemas.frames,
  declared: checkedSchemas.declared,
  routes: {
    ErrorReply,
    FileParams,
    FileQuery,
    ListThreadsQuery,
    LoginBody,
    LoginReply,
    RenameThreadBody,
    SecretHeaders,
    SharedThread,
    ThreadList,
    ThreadParams,
    ThreadShare,
    ThreadSummary,
  },
} as const;
