// The wire protocol, for other clients: schemas (typebox, usable as JSON Schema), types and validators.

export * from "./binary.ts";
export { checkClientFrame, FrameError, parseClientFrame } from "./check.ts";
export * from "./client.ts";
export * from "./commands.ts";
export * from "./error-codes.ts";
export * from "./favorites.ts";
export * from "./mcp.ts";
export * from "./modes.ts";
export * from "./profiles.ts";
export * from "./server.ts";
export * from "./settings.ts";
export * from "./threads.ts";
export * from "./views.ts";
