/**
 * Whether Redis answers, judged by what its commands do rather than by the state of the socket: a
 * frozen Redis (SIGSTOP, a long fork, a saturated CPU) keeps its connections open while every
 * command times out, so a broker that only looked at the socket would report itself healthy while
 * every send fails (issue 12, attack I).
 */

/** The error ioredis rejects a command with when its `commandTimeout` runs out; it has no code of its own. */
const TIMEOUT_MESSAGE = "Command timed out";

/** True for a command that Redis did not answer within the command timeout. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === TIMEOUT_MESSAGE;
}

/** What the broker's commands and pings say about Redis. */
export class CommandHealth {
  /** When commands began timing out with no answer since (`performance.now()`), or `null`. */
  private failingSince: number | null = null;
  /** Whether the latest PING went unanswered within the command timeout. */
  private pingTimedOut = false;

  /**
   * @param graceMs how long commands may keep timing out before Redis counts as not answering.
   * @param commandTimeoutMs the command timeout, for the operator's sentence.
   */
  constructor(
    private readonly graceMs: number,
    private readonly commandTimeoutMs: number,
    /** Told of each command's duration and whether it failed, for metrics. */
    private readonly onCall?: (seconds: number, failed: boolean) => void,
  ) {}

  /** Records how `command` ended and passes it on unchanged. */
  async watch<T>(command: Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await command;
      this.answered();
      this.onCall?.((performance.now() - started) / 1000, false);
      return result;
    } catch (error) {
      this.failed(error);
      this.onCall?.((performance.now() - started) / 1000, true);
      throw error;
    }
  }

  /** Records the outcome of a PING: only an answer clears a PING that went unanswered. */
  ping(command: Promise<unknown>): void {
    command.then(
      () => {
        this.pingTimedOut = false;
        this.answered();
      },
      (error: unknown) => {
        if (isTimeout(error)) this.pingTimedOut = true;
        this.failed(error);
      },
    );
  }

  /** Why Redis does not count as answering, in words for an operator; `null` while it answers. */
  problem(): string | null {
    if (this.pingTimedOut) return `Redis did not answer a PING within ${this.commandTimeoutMs} ms.`;
    if (this.failingSince === null) return null;
    const failingMs = performance.now() - this.failingSince;
    return failingMs > this.graceMs ? `Redis commands have been timing out for ${Math.round(failingMs)} ms.` : null;
  }

  /** Redis answered (with a result or with an error of its own): it is alive. */
  private answered(): void {
    this.failingSince = null;
  }

  /** A command failed; only a timeout says Redis is not answering (a closed connection shows in its status). */
  private failed(error: unknown): void {
    if (!isTimeout(error)) {
      // A reply error is an answer.
      if (error instanceof Error && error.name === "ReplyError") this.answered();
      return;
    }
    this.failingSince ??= performance.now();
  }
}
