/**
 * The local WaveSpeed server's account balance: what GET /api/v3/balance answers (a fixed $42.50 until a test sets a
 * balance, so other tests' figures never drift), then lowered by the price of each task it accepts, with an
 * "insufficient balance" refusal for a task that would take it below zero. No public source gives WaveSpeed's real refusal: 402 is the default, a 400 or 403 with WaveSpeed's text is
 * a switch. Only node: built-ins, and only erasable TypeScript, so Node 24 can run it as is.
 */
import type { FakeModel } from './catalogue.ts';

/** GPT Image 2's prices, USD per task, by quality then resolution (the same table the node estimates from). */
const GPT_IMAGE_2_PRICE_USD: Record<string, Record<string, number>> = {
	low: { '1k': 0.03, '2k': 0.06, '4k': 0.09 },
	medium: { '1k': 0.06, '2k': 0.12, '4k': 0.18 },
	high: { '1k': 0.22, '2k': 0.44, '4k': 0.66 },
};

export interface FakeAccount {
	/** What GET /api/v3/balance answers, in USD. */
	balanceUsd: number;
	/** A set balance: tasks lower it, and one it cannot pay is refused (off by default, so long runs never run dry). */
	enforced: boolean;
	/** How a refusal is sent. */
	refusal: { status: 400 | 402 | 403; message: string };
	/** Submits refused for insufficient balance. */
	refusedSubmits: number;
	/** USD taken by accepted tasks since a balance was set. */
	spentUsd: number;
	setBalance(usd: number): void;
	/** Called for a task about to be created: a refusal to send, or undefined after taking its price. */
	charge(request: Record<string, unknown>, model: FakeModel | undefined): { status: number; message: string } | undefined;
}

export function createFakeAccount(): FakeAccount {
	const account: FakeAccount = {
		balanceUsd: 42.5,
		enforced: false,
		refusal: { status: 402, message: 'Insufficient balance: please top up your account' },
		refusedSubmits: 0,
		spentUsd: 0,
		setBalance(usd) {
			account.balanceUsd = usd;
			account.enforced = true;
		},
		charge(request, model) {
			const priceUsd = taskPriceUsd(request, model);
			// In millionths, so three tasks of $0.06 fit a balance of $0.18 exactly.
			const leftMicro = Math.round(account.balanceUsd * 1e6) - Math.round(priceUsd * 1e6);
			if (!account.enforced) return undefined;
			if (leftMicro < 0) {
				account.refusedSubmits++;
				return account.refusal;
			}
			account.balanceUsd = leftMicro / 1e6;
			account.spentUsd = Math.round((account.spentUsd + priceUsd) * 1e6) / 1e6;
			return undefined;
		},
	};
	return account;
}

/** A catalogue model costs its quote (else its base price); GPT Image 2 its table price. */
export function taskPriceUsd(request: Record<string, unknown>, model: FakeModel | undefined): number {
	if (model) return model.quote?.(request) ?? model.base_price;
	const quality = String(request.quality ?? 'medium');
	const resolution = String(request.resolution ?? '1k');
	return GPT_IMAGE_2_PRICE_USD[quality]?.[resolution] ?? 0;
}
