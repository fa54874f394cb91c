/**
 * The batch the crash-recovery suites kill and run again (test/e2e/crashRecovery*.e2e.test.ts): Webhook (the batch's
 * name in its body) → Code (4 prompts of tasks that take `inferenceMs`) → WaveSpeed Edit Image with default options.
 */
import { WAVESPEED_NODE_TYPE } from '../../scripts/lib/localN8n';

export function crashBatchWorkflow(credential: { id: string; name: string }, id: string, inferenceMs: number) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		connections: {
			Webhook: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
		},
		nodes: [
			{
				id: `${id}-1`, name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: id,
				parameters: { path: id, httpMethod: 'POST', responseMode: 'onReceived' },
			},
			{
				id: `${id}-2`, name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0],
				parameters: {
					jsCode: `const { batch } = $input.first().json.body;
return [1, 2, 3, 4].map((n) => ({ json: { prompt: batch + ' product ' + n + ' [inference:${inferenceMs}]' } }));`,
				},
			},
			{
				id: `${id}-3`, name: 'WaveSpeed', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [400, 0],
				parameters: { operation: 'editImage', prompt: '={{ $json.prompt }}', imageSource: 'url', imageUrls: 'https://images.example.com/product.png' },
				credentials: { waveSpeedAiApi: credential },
			},
		],
	};
}
