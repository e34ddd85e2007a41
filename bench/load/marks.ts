// Lines the load generator prints for the runner while a scenario runs (its result is the last line, as JSON).

/** Printed once an idle job's sessions are all open; the runner answers with a line on stdin. */
export const CONNECTED = "connected";

/** Prefix of a mark: `mark start` / `mark end` bound a throughput job's measured window. */
export const MARK = "mark ";

/** Tells the runner the scenario reached `name` (it reads the server's GC pauses then). */
export const mark = (name: string): void => {
  process.stdout.write(`${MARK}${name}\n`);
};
