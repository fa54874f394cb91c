import { decideCallback, parsePrediction } from '../../../nodes/WaveSpeedTrigger/callbackDecision';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const completed = { id: 'task-1', status: 'completed', outputs: ['https://cdn.example.com/a.png'], input: { prompt: 'p' } };

/** decideCallback with a claim that records what it was asked. */
function decide(signatureProblem: string | undefined, rawBody: Buffer, alreadyReported: string[] = []) {
	const claimed: string[] = [];
	const decision = decideCallback({
		signatureProblem,
		rawBody,
		claimTask: (taskId) => {
			claimed.push(taskId);
			return !alreadyReported.includes(taskId);
		},
	});
	return { decision, claimed };
}

describe('decideCallback', () => {
	it('starts an execution for a genuine callback of a finished task, completed or failed', () => {
		expect(decide(undefined, body(completed)).decision).toEqual({ action: 'start', prediction: completed });
		const failed = { id: 'task-2', status: 'failed', outputs: [], error: 'Content policy violation' };
		expect(decide(undefined, body(failed)).decision).toMatchObject({ action: 'start', prediction: { status: 'failed', error: 'Content policy violation' } });
	});

	it('refuses a call whose signature failed, whatever its body, and claims nothing', () => {
		const { decision, claimed } = decide('the signature does not match', body(completed));
		expect(decision).toEqual({ action: 'refuse', reason: 'the signature does not match' });
		expect(claimed).toEqual([]);
	});

	it('acknowledges a repeat of a task already reported, starting nothing', () => {
		const { decision, claimed } = decide(undefined, body(completed), ['task-1']);
		expect(decision).toEqual({ action: 'acknowledge', reason: 'task task-1 was already reported: this repeat starts nothing' });
		expect(claimed).toEqual(['task-1']);
	});

	it('acknowledges a task that is not finished without claiming it, so its final call still starts a run', () => {
		const { decision, claimed } = decide(undefined, body({ ...completed, status: 'processing', outputs: [] }));
		expect(decision).toMatchObject({ action: 'acknowledge' });
		expect(claimed).toEqual([]);
	});

	it('rejects a signed body that is not a prediction', () => {
		for (const [raw, reason] of [
			['not json', 'the body is not JSON'],
			['[1,2]', 'the body is not a JSON object'],
			['{"status":"completed"}', 'the body has no task id'],
			['{"id":"t","outputs":[]}', 'the body has no task status'],
			['{"id":"t","status":"completed","outputs":[1]}', 'the body\'s outputs are not a list of URLs (strings or {url} objects)'],
			['{"id":"t","status":"completed","outputs":[{"href":"x"}]}', 'the body\'s outputs are not a list of URLs (strings or {url} objects)'],
		]) {
			expect(decide(undefined, body(raw)).decision).toEqual({ action: 'reject', reason });
		}
	});
});

describe('parsePrediction', () => {
	it('accepts outputs given as {url} objects (WaveSpeed\'s own node and desktop app do) and reads them as URLs', () => {
		const { decision } = decide(undefined, body({ ...completed, outputs: [{ url: 'https://cdn.example.com/a.png' }, 'https://cdn.example.com/b.png'] }));
		expect(decision).toEqual({
			action: 'start',
			prediction: { ...completed, outputs: ['https://cdn.example.com/a.png', 'https://cdn.example.com/b.png'] },
		});
	});

	it('reads the exact bytes, with missing outputs as none and a non-object input left out', () => {
		expect(parsePrediction(body({ id: 't', status: 'failed', outputs: null, input: 'x' }))).toEqual({ id: 't', status: 'failed', outputs: [], input: undefined });
	});
});
