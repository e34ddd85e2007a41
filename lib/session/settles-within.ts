// A bounded wait: how a closing session gives its handlers (and onChatEnd, and its MCP clients) a grace period.

/** Whether `work` settles within `ms`; a rejection is rethrown, a late settlement is ignored. */
export async function settlesWithin(work: unknown, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
