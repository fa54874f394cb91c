import type { INode } from 'n8n-workflow';

import { SubmitGate } from '../../../../nodes/WaveSpeed/task/submitGate';

const node = { name: 'WaveSpeed', type: 'n8n-nodes-wavespeed-models.waveSpeed', typeVersion: 1, position: [0, 0], parameters: {}, id: '1' } as INode;

describe('SubmitGate', () => {
	it('the submit gate stays open until a refusal, then gives every item the first refusal', () => {
		const gate = new SubmitGate();
		expect(gate.notSubmitted(4)).toBeUndefined();
		gate.close(node, new Error('WaveSpeed refused this for insufficient balance (402): Insufficient balance'));
		gate.close(node, new Error('a later refusal'));
		const error = gate.notSubmitted(4) as Error & { description?: string; context?: { itemIndex?: number } };
		expect(error.message).toBe('Not submitted: WaveSpeed refused an earlier task of this run for insufficient balance');
		expect(error.description).toContain('(402): Insufficient balance');
		expect(error.description).toContain('Nothing was billed for this item');
	});
});
