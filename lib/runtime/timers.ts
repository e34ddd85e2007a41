// The longest delay Node's timers take: setTimeout and setInterval store it as a signed 32-bit integer, and a
// longer one (about 24.8 days or more) fires after 1 ms instead, with only a warning.

/** 2^31 − 1 ms: the longest delay `setTimeout` waits for; every timer option and ask timeout stays within it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
