/**
 * Lets a stage measure something with the machine to itself. Running stages hold the gate
 * shared; `exclusive(work)` gives up the caller's share, waits until no other stage is inside
 * the gate (stages that want in meanwhile wait behind it, first come first served), runs
 * `work`, then takes a share again. Used for latency: a timing taken while another stage
 * computes on the same cores measures the contention, not the model.
 */
export class RunGate {
  #shared = 0;
  #exclusive = false;
  readonly #waiting: { exclusive: boolean; admit: () => void }[] = [];

  async enterShared(): Promise<void> {
    if (!this.#exclusive && this.#waiting.length === 0) {
      this.#shared++;
      return;
    }
    await new Promise<void>((admit) => this.#waiting.push({ exclusive: false, admit }));
  }

  leaveShared(): void {
    this.#shared--;
    this.#admit();
  }

  /** Runs `work` with no other holder inside; the caller must hold a share. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.leaveShared();
    if (!this.#exclusive && this.#shared === 0 && this.#waiting.length === 0) this.#exclusive = true;
    else await new Promise<void>((admit) => this.#waiting.push({ exclusive: true, admit }));
    try {
      return await work();
    } finally {
      this.#exclusive = false;
      this.#admit();
      await this.enterShared();
    }
  }

  /** Admits waiters in order while they fit: shares while no one is exclusive, one exclusive when empty. */
  #admit(): void {
    while (this.#waiting.length > 0 && !this.#exclusive) {
      const next = this.#waiting[0]!;
      if (next.exclusive) {
        if (this.#shared > 0) return;
        this.#exclusive = true;
      } else {
        this.#shared++;
      }
      this.#waiting.shift();
      next.admit();
    }
  }
}
