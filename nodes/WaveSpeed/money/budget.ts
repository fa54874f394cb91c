
/**
 * What a run may spend: the batch's estimated cost against Max Cost per Run and the account's balance. The gate that
 * stops new submits once WaveSpeed refuses one for insufficient balance is task/submitGate.ts.
 */

/** One item that would submit a new task, and what it is estimated to cost (undefined: no price is known). */
export interface ItemEstimate {
	itemIndex: number;
	costUsd: number | undefined;
	/** How the estimate was made when not from WaveSpeed's quote as asked (the quote did not answer in time, say). */
	note?: string;
}

export interface BatchEstimate {
	/** The sum of the known estimates, in USD. */
	totalUsd: number;
	/** Items that would submit a new task. */
	itemCount: number;
	/** Items without an estimate (Run Model: no quote and no catalogue price). */
	unpricedItems: number[];
	/** Items whose estimate carries a note, and the distinct notes. */
	notedItems: number;
	notes: string[];
}

/** Sums in millionths of a dollar: 10 × 0.06 is 0.6, not 0.6000000000000001 above a cap of 0.6. */
const MICRO = 1_000_000;

export function sumEstimates(estimates: ItemEstimate[]): BatchEstimate {
	let totalMicro = 0;
	const unpricedItems: number[] = [];
	const notes = new Set<string>();
	let notedItems = 0;
	for (const { itemIndex, costUsd, note } of estimates) {
		if (costUsd === undefined) unpricedItems.push(itemIndex);
		else totalMicro += Math.round(costUsd * MICRO);
		if (note) {
			notedItems++;
			notes.add(note);
		}
	}
	return { totalUsd: totalMicro / MICRO, itemCount: estimates.length, unpricedItems, notedItems, notes: [...notes] };
}

/**
 * What the guards did where WaveSpeed's quote did not give the estimate ("3 of 16 item(s): WaveSpeed's price quote did
 * not answer within 15 s: the estimate is …"), or undefined when every estimate is as asked.
 */
export function describeUnquoted(estimate: BatchEstimate): string | undefined {
	if (estimate.notedItems === 0) return undefined;
	return `${estimate.notedItems} of ${estimate.itemCount} item(s) this way: ${estimate.notes.join('; ')}`;
}

/**
 * The balance in USD as WaveSpeed sends it: a number, or the same as text ("12.50"); undefined for anything else
 * (the caller says the balance could not be read rather than skip the check silently).
 */
export function readBalanceUsd(value: unknown): number | undefined {
	const usd = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
	return Number.isFinite(usd) ? usd : undefined;
}

/** The refusal's description, with how the estimate was made where WaveSpeed's quote did not make it. */
function withEstimateNotes(description: string, estimate: BatchEstimate): string {
	const unquoted = describeUnquoted(estimate);
	return unquoted ? `${description} Estimated ${unquoted}.` : description;
}

export function isOver(amountUsd: number, limitUsd: number): boolean {
	return Math.round(amountUsd * MICRO) > Math.round(limitUsd * MICRO);
}

export function formatUsd(usd: number): string {
	// Two decimals, more only where a price has them (0.005): never rounds a figure the user compares.
	const text = usd.toFixed(6).replace(/0+$/, '');
	const [whole, decimals = ''] = text.split('.');
	return `$${whole}.${decimals.padEnd(2, '0')}`;
}

function describeItems(estimate: BatchEstimate): string {
	const priced = estimate.itemCount - estimate.unpricedItems.length;
	const unpriced = estimate.unpricedItems.length > 0 ? `, plus ${estimate.unpricedItems.length} item(s) with no price known` : '';
	return `${priced} item(s)${unpriced}`;
}

/** Why Max Cost per Run stops the batch, or undefined when it may run. */
export function describeCapRefusal(estimate: BatchEstimate, maxCostUsd: number): { message: string; description: string } | undefined {
	if (estimate.unpricedItems.length > 0) {
		const list = estimate.unpricedItems.slice(0, 10).join(', ') + (estimate.unpricedItems.length > 10 ? ', …' : '');
		return {
			message: `Not sent: Max Cost per Run is ${formatUsd(maxCostUsd)}, but no price is known for item(s) ${list}`,
			description:
				`The estimate of the other ${estimate.itemCount - estimate.unpricedItems.length} item(s) is ${formatUsd(estimate.totalUsd)}. ` +
				"WaveSpeed gave no price quote and its catalogue no price for these items' model, so the cap cannot be kept. " +
				'Nothing was sent or billed. Clear Max Cost per Run to run them anyway.',
		};
	}
	if (!isOver(estimate.totalUsd, maxCostUsd)) return undefined;
	return {
		message: `Not sent: the estimated cost ${formatUsd(estimate.totalUsd)} of ${describeItems(estimate)} is over Max Cost per Run (${formatUsd(maxCostUsd)})`,
		description: withEstimateNotes('Nothing was sent or billed. Raise Max Cost per Run, or run fewer or cheaper items.', estimate),
	};
}

/** Why the balance check stops the batch, or undefined when the balance covers it. */
export function describeBalanceRefusal(estimate: BatchEstimate, balanceUsd: number): { message: string; description: string } | undefined {
	if (!isOver(estimate.totalUsd, balanceUsd)) return undefined;
	const unpriced = estimate.unpricedItems.length > 0 ? ' Items with no price known are not counted.' : '';
	return {
		message: `Not sent: the account balance ${formatUsd(balanceUsd)} is below the estimated cost ${formatUsd(estimate.totalUsd)} of ${describeItems(estimate)}`,
		description: withEstimateNotes(
			`Nothing was sent or billed.${unpriced} Top up the WaveSpeed account, run fewer items, or turn "Check Balance First" off to run as many as the balance pays for.`,
			estimate,
		),
	};
}
