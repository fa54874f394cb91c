/**
 * Which tasks a trigger has already reported, so a repeated callback (WaveSpeed delivers at least once) starts no
 * second execution. Kept in this process's memory only: another n8n process (a webhook process in queue mode, or n8n
 * after a restart) does not see it. Pure apart from the clock passed in.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** A bound on memory: past this many remembered tasks, the oldest are forgotten first. */
export const MAX_REMEMBERED_TASKS = 50_000;

export class RecentTasks {
	/** `scope \u0000 taskId` → when it was first reported; insertion order is age order. */
	private readonly seen = new Map<string, number>();

	constructor(
		private readonly windowMs = DUPLICATE_WINDOW_MS,
		private readonly maxEntries = MAX_REMEMBERED_TASKS,
	) {}

	/**
	 * True the first time `taskId` is seen in `scope` within the window (the caller reports it), false for a repeat.
	 * Claimed before anything slow happens, so two copies arriving together cannot both pass.
	 */
	claim(scope: string, taskId: string, nowMs: number): boolean {
		this.forgetExpired(nowMs);
		const key = `${scope}\u0000${taskId}`;
		if (this.seen.has(key)) return false;
		this.seen.set(key, nowMs);
		if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
		return true;
	}

	/** Forgets a scope (its workflow was deactivated). */
	forgetScope(scope: string): void {
		for (const key of this.seen.keys()) if (key.startsWith(`${scope}\u0000`)) this.seen.delete(key);
	}

	get size(): number {
		return this.seen.size;
	}

	private forgetExpired(nowMs: number): void {
		for (const [key, atMs] of this.seen) {
			if (nowMs - atMs < this.windowMs) break;
			this.seen.delete(key);
		}
	}
}
