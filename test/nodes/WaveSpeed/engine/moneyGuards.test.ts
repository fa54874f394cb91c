/** Issue 22: Max Cost per Run, Check Balance First, and an insufficient-balance refusal that stops new submits. */
import type { INodeExecutionData } from 'n8n-workflow';

import { contextFor, editParams, pngItems, runModelParams } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { failureOf } from '../../../support/failureOf';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const UPSCALER = 'wavespeed-ai/image-upscaler';
/** Has no price quote; left out of the catalogue it has no base price either: no price is known. */
const AUDIO = 'wavespeed-ai/sound-effects';

/** Generate Image at medium quality, 1k: $0.06 a task in the estimated price table (and on the local server). */
const generateParams = (options: Record<string, unknown> = {}) => ({
	operation: 'generateImage',
	prompt: (i: number) => `Item ${i}`,
	aspectRatio: '1:1',
	resolution: '1k',
	quality: 'medium',
	waitForCompletion: true,
	options: { pollInterval: 0.5, timeout: 20, ...options },
});
const tenItems = (): INodeExecutionData[] => Array.from({ length: 10 }, () => ({ json: {} }));

describe('money guards', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started), { inferenceMs: 100 });

	const run = async (params: Record<string, unknown>, extra: { continueOnFail?: boolean; items?: INodeExecutionData[] } = {}) =>
		await runNode(createExecuteContext(contextFor(fake, params, { items: tenItems(), ...extra })));
	const errors = (output: INodeExecutionData[]) => output.filter((item) => item.json.status === undefined && item.json.error);
	const completed = (output: INodeExecutionData[]) => output.filter((item) => item.json.status === 'completed');
	// GPT Image 2's estimate is WaveSpeed's free quote, asked once per quality and resolution in a run.
	const routes = () => fake.requests.map((request) => request.route);

	describe('Max Cost per Run', () => {
		it('a cap just below the estimate: nothing is sent (one free quote asked), and the error names the estimate, the cap and the items', async () => {
			const error = await failureOf(run(generateParams({ maxCostUsd: 0.59 })));
			expect(error.message).toBe('Not sent: the estimated cost $0.60 of 10 item(s) is over Max Cost per Run ($0.59)');
			expect(routes()).toEqual(['pricing']);
		});

		it.each([0.6, 0.61])('a cap of %s (at or just above the estimate of $0.60) and a balance of exactly $0.60: every item runs', async (maxCostUsd) => {
			fake.account.setBalance(0.6);
			const output = await run(generateParams({ maxCostUsd }));
			expect(completed(output)).toHaveLength(10);
			expect(fake.tasks.size).toBe(10);
			// Both guards were asked (the balance once, before the first submit) and let the batch through.
			expect(routes().slice(0, 2)).toEqual(['pricing', 'balance']);
			expect(fake.countRequests('balance')).toBe(1);
			expect(fake.account.balanceUsd).toBe(0);
		});

		it("GPT Image 2: the estimate is WaveSpeed's quote where it answers (one for the run, reused in the outputs)", async () => {
			fake.catalogue.gptImage2Quote = 0.05;
			const output = await run(generateParams({ maxCostUsd: 0.5, checkBalance: false }));
			expect(completed(output)).toHaveLength(10);
			expect(output.map((item) => item.json.costSource)).toEqual(Array(10).fill('quote'));
			expect(fake.countRequests('pricing')).toBe(1);

			fake.reset();
			fake.catalogue.gptImage2Quote = 0.05;
			const error = await failureOf(run(generateParams({ maxCostUsd: 0.49, checkBalance: false })));
			expect(error.message).toBe('Not sent: the estimated cost $0.50 of 10 item(s) is over Max Cost per Run ($0.49)');
		});

		it('under Continue On Fail, every item fails with the reason and nothing is sent', async () => {
			const output = await run(generateParams({ maxCostUsd: 0.1 }), { continueOnFail: true });
			expect(errors(output)).toHaveLength(10);
			expect(String(output[9].json.error)).toContain('is over Max Cost per Run ($0.10)');
			expect(routes()).toEqual(['pricing']);
		});

		it('Edit Image: the estimate follows quality and resolution, and nothing is uploaded over the cap', async () => {
			const params = editParams({ quality: 'high', resolution: '4k', options: { pollInterval: 0.5, maxCostUsd: 1.97 } });
			const error = await failureOf(run(params, { items: pngItems(3) }));
			expect(error.message).toBe('Not sent: the estimated cost $1.98 of 3 item(s) is over Max Cost per Run ($1.97)');
			expect(routes()).toEqual(['pricing']);
		});

		it("Run Model: the estimate is WaveSpeed's price quote, asked once for items with the same inputs (not again before the submit)", async () => {
			const params = runModelParams(UPSCALER, { image: 'https://example.com/a.png', target_resolution: '8k' }, { options: { pollInterval: 0.5, maxCostUsd: 0.05, checkBalance: false } });
			const error = await failureOf(run(params, { items: tenItems().slice(0, 3) }));
			expect(error.message).toBe('Not sent: the estimated cost $0.06 of 3 item(s) is over Max Cost per Run ($0.05)');
			expect(fake.countRequests('model')).toBe(0);

			fake.reset();
			const output = await run({ ...params, options: { pollInterval: 0.5, maxCostUsd: 0.06, checkBalance: false } }, { items: tenItems().slice(0, 3) });
			expect(output.map((item) => item.json.estimatedCostUsd)).toEqual([0.02, 0.02, 0.02]);
			expect(output.map((item) => item.json.costSource)).toEqual(['quote', 'quote', 'quote']);
			// Issue 27: one quote for the three items (same model, same inputs); before, one per item.
			expect(fake.countRequests('pricing')).toBe(1);
			expect(fake.tasks.size).toBe(3);
		});

		it('Run Model: an item with no price known stops a capped run and names the item; without a cap it runs', async () => {
			fake.catalogue.omit.push(AUDIO);
			const params = runModelParams(AUDIO, {}, { additionalInputs: '{"prompt": "a door creaks"}', options: { pollInterval: 0.5, maxCostUsd: 5 } });
			const error = await failureOf(run(params, { items: tenItems().slice(0, 2) }));
			expect(error.message).toBe('Not sent: Max Cost per Run is $5.00, but no price is known for item(s) 0, 1');
			expect(fake.countRequests('model') + fake.countRequests('balance')).toBe(0);

			// The balance check counts no price as nothing (and so asks no balance): WaveSpeed's refusal still guards.
			const output = await run({ ...params, options: { pollInterval: 0.5 } }, { items: tenItems().slice(0, 2) });
			expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed']);
			expect(fake.countRequests('balance')).toBe(0);
		});
	});

	// Issue 27 defect 5: a quote per item, a wave of Max Concurrency at a time, each wave waiting out a route that hangs.
	describe('the price quote, once per model and inputs, with one wait for the batch', () => {
		const hang = () => fake.faults.push({ route: 'pricing', kind: 'delay', delayMs: 600_000 }, { route: 'price', kind: 'delay', delayMs: 600_000 });
		const sixteenItems = () => Array.from({ length: 16 }, (_, index) => ({ json: { index } }));

		it('quote routes that hang: one quote asked for 16 items, the hung route not asked again, the catalogue price labelled so', async () => {
			hang();
			// Each item's Timeout (5 s) bounds the one wait; the routes hang for 10 minutes. One wave of 16, so no item waits
			// for a task slot inside its short Timeout on a loaded machine.
			const params = runModelParams(UPSCALER, { image: 'https://example.com/a.png', target_resolution: '2k' }, { options: { pollInterval: 0.5, timeout: 5, maxConcurrency: 16 } });
			const context = createExecuteContext(contextFor(fake, params, { items: sixteenItems() }));
			const output = await runNode(context);

			expect(output.map((item) => item.json.status)).toEqual(Array(16).fill('completed'));
			// Before: a quote per item, each waited out, the hung route asked again (here 16: the first alone, then 15 at
			// once; at Max Concurrency 4, 7-8 quotes and the first submit after 12-14 s).
			expect(fake.countRequests('pricing')).toBe(1);
			expect(fake.countRequests('price')).toBe(0);
			for (const item of output) {
				expect(item.json).toMatchObject({
					estimatedCostUsd: 0.01,
					costSource: 'catalogue',
					costNote: "WaveSpeed's price quote did not answer within 5 s: the estimate is the catalogue's base price (the model's floor price)",
				});
			}
			// The balance was still checked, against that estimate, before the first submit.
			expect(routes().filter((route) => ['balance', 'model'].includes(route)).slice(0, 2)).toEqual(['balance', 'model']);
			expect(context.logs.filter((line) => line.includes('the money guards estimated 16 of 16 item(s) this way: WaveSpeed\'s price quote did not answer'))).toHaveLength(1);
		}, 60_000);

		it('GPT Image 2 with the quote hanging: the guard refuses on the price table, and says so', async () => {
			hang();
			const error = await failureOf(run(generateParams({ timeout: 3, maxCostUsd: 0.59 })));
			expect(error.message).toBe('Not sent: the estimated cost $0.60 of 10 item(s) is over Max Cost per Run ($0.59)');
			expect(error.description).toContain(
				"Estimated 10 of 10 item(s) this way: WaveSpeed's price quote did not answer within 3 s: the estimate is GPT Image 2's price table.",
			);
			expect(fake.countRequests('pricing')).toBe(1);
			expect(fake.countRequests('price')).toBe(0);
		}, 60_000);

		it('items with different inputs: one quote per distinct inputs, each item priced by its own', async () => {
			const resolution = (i: number) => (i % 2 === 0 ? '2k' : '8k');
			const params = runModelParams(UPSCALER, {}, {
				inputs: (i: number) => ({ mappingMode: 'defineBelow', value: { image: 'https://example.com/a.png', target_resolution: resolution(i) } }),
				options: { pollInterval: 0.5, maxConcurrency: 2 },
			});
			const output = await run(params, { items: tenItems().slice(0, 6) });
			expect(output.map((item) => item.json.estimatedCostUsd)).toEqual([0.01, 0.02, 0.01, 0.02, 0.01, 0.02]);
			expect(output.map((item) => item.json.costSource)).toEqual(Array(6).fill('quote'));
			// Before: 6 (one per item), asked 2 at a time (Max Concurrency).
			expect(fake.countRequests('pricing')).toBe(2);
		});
	});

	describe('Check Balance First', () => {
		it('a balance for 3 of 10 items: one balance request, nothing sent, both figures named', async () => {
			fake.account.setBalance(0.18);
			const error = await failureOf(run(generateParams()));
			expect(error.message).toBe('Not sent: the account balance $0.18 is below the estimated cost $0.60 of 10 item(s)');
			expect(routes()).toEqual(['pricing', 'balance']);
			expect(fake.account.balanceUsd).toBe(0.18);
		});

		it("Run Model: the balance is compared with the quotes' sum", async () => {
			fake.account.setBalance(0.05);
			const params = runModelParams(UPSCALER, { image: 'https://example.com/a.png', target_resolution: '8k' });
			const error = await failureOf(run(params, { items: tenItems().slice(0, 3) }));
			expect(error.message).toBe('Not sent: the account balance $0.05 is below the estimated cost $0.06 of 3 item(s)');
			// One quote for the three items (same inputs): before issue 27, one each.
			expect(fake.requests.map((request) => request.route).sort()).toEqual(['balance', 'models', 'pricing']);
		});

		// Issue 27: a balance sent as text was not a number, so the check was skipped without a word.
		const balanceReply = (balance: unknown) => ({
			route: 'balance' as const,
			kind: 'reply' as const,
			contentType: 'application/json',
			body: JSON.stringify({ code: 200, message: 'success', data: { balance } }),
		});

		it('a balance sent as text ("0.18") is checked like a number', async () => {
			fake.faults.push(balanceReply('0.18'));
			const error = await failureOf(run(generateParams()));
			expect(error.message).toBe('Not sent: the account balance $0.18 is below the estimated cost $0.60 of 10 item(s)');
			expect(fake.countRequests('generate')).toBe(0);
		});

		it('a balance that is not an amount is not checked, and a warning says so', async () => {
			fake.faults.push(balanceReply('soon'));
			const context = createExecuteContext(contextFor(fake, generateParams(), { items: tenItems().slice(0, 2) }));
			const output = await runNode(context);
			expect(completed(output)).toHaveLength(2);
			expect(context.logs.filter((line) => line.startsWith('warn '))).toEqual([
				expect.stringContaining('WaveSpeed: the balance could not be read before the run, so it was not checked: the reply\'s balance is "soon", not an amount'),
			]);
		});

		it('a balance that covers the batch: one balance request, then every item runs', async () => {
			fake.account.setBalance(0.6);
			const output = await run(generateParams());
			expect(completed(output)).toHaveLength(10);
			expect(fake.countRequests('balance')).toBe(1);
			expect(routes().slice(0, 2)).toEqual(['pricing', 'balance']);
			expect(fake.account.balanceUsd).toBe(0);
		});
	});

	describe('a submit refused for insufficient balance (check off)', () => {
		const checkOff = (options: Record<string, unknown> = {}) => generateParams({ checkBalance: false, maxConcurrency: 1, ...options });

		it.each([
			['402', { status: 402 as const, message: 'Insufficient balance' }],
			['400 saying so', { status: 400 as const, message: 'Your account balance is insufficient, please top up' }],
			['403 saying so', { status: 403 as const, message: 'Insufficient credits' }],
		])('Continue On Fail, %s: 3 paid and output, 7 clear errors, the refused submit not retried, no further submit', async (_, refusal) => {
			fake.account.setBalance(0.18);
			fake.account.refusal = refusal;
			const output = await run(checkOff(), { continueOnFail: true });

			expect(output.slice(0, 3).map((item) => item.json.status)).toEqual(['completed', 'completed', 'completed']);
			expect(output.slice(0, 3).every((item) => item.binary?.data)).toBe(true);
			expect(String(output[3].json.error)).toContain(`WaveSpeed refused this for insufficient balance (${refusal.status})`);
			for (const item of output.slice(4)) expect(item.json.error).toBe('Not submitted: WaveSpeed refused an earlier task of this run for insufficient balance');
			expect(fake.tasks.size).toBe(3);
			expect(fake.countRequests('generate')).toBe(4);
			expect(fake.account.refusedSubmits).toBe(1);
			expect(fake.countRequests('balance')).toBe(0);
		});

		// Issue 27 defect 6: these replies were not recognised, so every remaining item was still submitted.
		it.each([
			['a bare error code', { error: 'insufficient_balance' }],
			['the amount in the text', { code: 400, message: 'Your account balance ($0.02) is insufficient for this task', data: null }],
			['"do not have enough"', { code: 400, message: 'You do not have enough balance to run this model', data: null }],
			['an error code beside the message', { message: 'Payment failed', error_code: 'INSUFFICIENT_CREDITS' }],
		])('a 400 with %s closes the gate: one refused submit, no further item submitted', async (_shape, body) => {
			fake.faults.push({ route: 'generate', kind: 'reply', status: 400, contentType: 'application/json', body: JSON.stringify(body) });
			const output = await run(checkOff(), { items: tenItems().slice(0, 6), continueOnFail: true });
			expect(String(output[0].json.error)).toMatch(/^WaveSpeed refused this for insufficient balance \(400\): /);
			for (const item of output.slice(1)) expect(item.json.error).toBe('Not submitted: WaveSpeed refused an earlier task of this run for insufficient balance');
			expect(fake.countRequests('generate')).toBe(1);
		});

		it('a 400 about the image\'s white_balance is not a balance refusal: the other items are still submitted', async () => {
			fake.faults.push({ route: 'generate', kind: 'reply', status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'white_balance is too low' }), times: 1 });
			const output = await run(checkOff(), { items: tenItems().slice(0, 3), continueOnFail: true });
			expect(String(output[0].json.error)).toBe('WaveSpeed answered 400: white_balance is too low');
			expect(completed(output)).toHaveLength(2);
			expect(fake.countRequests('generate')).toBe(3);
		});

		it('Edit Image: an item that can no longer be submitted uploads nothing either', async () => {
			fake.account.setBalance(0.12);
			const output = await run(editParams({ options: { pollInterval: 0.5, checkBalance: false, maxConcurrency: 1 } }), { items: pngItems(5), continueOnFail: true });
			expect(output.map((item) => item.json.status ?? 'error')).toEqual(['completed', 'completed', 'error', 'error', 'error']);
			// Items 0-2 uploaded (item 2 was refused at its submit); item 3 may have been uploading beside it (uploads overlap
			// tasks), item 4 starts after the refusal and uploads nothing (5 uploads without the gate in Run.runItem).
			expect(fake.countRequests('ticket')).toBeGreaterThanOrEqual(3);
			expect(fake.countRequests('ticket')).toBeLessThanOrEqual(4);
			expect(fake.countRequests('submit')).toBe(3);
			expect(fake.tasks.size).toBe(2);
		});

		it('without Continue On Fail: the node fails with the refusal and names the 3 paid tasks', async () => {
			fake.account.setBalance(0.18);
			const error = await failureOf(run(checkOff()));
			expect(error.message).toContain('WaveSpeed refused this for insufficient balance (402)');
			for (const task of fake.tasks.values()) expect(error.description).toContain(task.id);
			expect(fake.tasks.size).toBe(3);
			expect(fake.countRequests('generate')).toBe(4);
		});

		it('Max Concurrency 4: 3 paid and output, every other item fails for the balance, no submit after a refusal came back', async () => {
			fake.account.setBalance(0.18);
			const output = await run(checkOff({ maxConcurrency: 4 }), { continueOnFail: true });

			expect(completed(output)).toHaveLength(3);
			expect(errors(output)).toHaveLength(7);
			for (const item of errors(output)) expect(String(item.json.error)).toMatch(/insufficient balance/);
			expect(fake.tasks.size).toBe(3);
			// Refused submits were in flight together (each holds a task slot): at most Max Concurrency of them.
			const refused = fake.account.refusedSubmits;
			expect(refused).toBeGreaterThanOrEqual(1);
			expect(refused).toBeLessThanOrEqual(4);
			expect(fake.countRequests('generate')).toBe(3 + refused);
		});
	});
});
