// chatwire/langchain: LangChain.js runs shown as steps (`@langchain/core` ^1, an optional peer dependency).

export {
  DEFAULT_IGNORED_RUNS,
  LangchainCallbackHandler,
  type LangchainHandlerOptions,
  type LangchainTarget,
} from "./handler.ts";
