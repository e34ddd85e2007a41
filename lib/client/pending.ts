// Requests waiting for their answer, by frame id: feedback (feedback_saved), favorites (favorites), action calls
// (their task's end). An error frame naming one rejects it; a lost or closed session rejects them all.
import { ChatwireClientError } from "./errors.ts";

export class PendingRequests {
  readonly #waiting = new Map<string, { resolve(value: string): void; reject(error: Error): void }>();

  /** Resolves with the value of the answer to request `id`. */
  wait(id: string): Promise<string> {
    return new Promise<string>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  settle(id: string, value: string): void {
    const request = this.#waiting.get(id);
    this.#waiting.delete(id);
    request?.resolve(value);
  }

  reject(id: string, error: Error): void {
    const request = this.#waiting.get(id);
    this.#waiting.delete(id);
    request?.reject(error);
  }

  /** No answer will come to any of them (CLIENT_CLOSED, saying `why`). */
  rejectAll(why: string): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const request of waiting) request.reject(new ChatwireClientError("CLIENT_CLOSED", `no answer: ${why}`));
  }
}
