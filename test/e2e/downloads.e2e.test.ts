/**
 * End to end, in a real n8n 2.40.7 (the package installed as Settings → Community Nodes would): what the node does
 * when the CDN misbehaves after a task completed. A body that stalls ends the item within its Timeout; a 200 that is
 * not an image fails it. Both name the task. Uses the n8n install of the other end-to-end tests.
 */
import type { RunRecord } from '../../scripts/lib/localN8n';
import { WAVESPEED_NODE_TYPE, executeWorkflow, importWorkflow } from '../../scripts/lib/localN8n';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

/** Manual Trigger → WaveSpeed Generate Image, with the given Timeout. */
function generateWorkflow(id: string, timeoutSeconds: number, credential: { id: string; name: string }) {
	return {
		id,
		name: `WaveSpeed downloads: ${id}`,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: { Start: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] } },
		nodes: [
			{ id: 'd1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'd2',
				name: 'WaveSpeed',
				type: WAVESPEED_NODE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: { operation: 'generateImage', prompt: 'A lighthouse at dawn', options: { pollInterval: 0.5, timeout: timeoutSeconds } },
				credentials: { waveSpeedAiApi: credential },
			},
		],
	};
}

describe('in a real n8n, downloads are bounded and checked', () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-downloads', { inferenceMs: 300 }, (setup) => (n8n = setup));

	const run = async (id: string, timeoutSeconds: number): Promise<{ record: RunRecord; taskId: string }> => {
		const { install, env, workDir, fake, credential } = n8n;
		await importWorkflow(install, env, generateWorkflow(id, timeoutSeconds, credential), workDir);
		const record = await executeWorkflow(install, env, id);
		const [taskId] = [...fake.tasks.keys()];
		return { record, taskId };
	};

	it('ends a download that stalls mid-body within the Timeout, naming the task for Get Result', async () => {
		n8n.fake.faults.push({ route: 'download', kind: 'stall', stallAfterBytes: 300 });
		const { record, taskId } = await run('e2eDownloadStalls', 6);

		expect(record.status).toBe('error');
		const { message } = record.data.resultData.error!;
		expect(message).toContain(`Output 1 of task ${taskId}: Downloading the result image failed`);
		// Cut at the item's Timeout (6 s), not at the 2-minute limit of one transfer: it never waits for Stop.
		expect(message).toMatch(/the transfer did not finish within [\d.]+ s \(the image exists: Get Result can download it again\)$/);
		expect(Number(/within ([\d.]+) s/.exec(message)?.[1])).toBeLessThanOrEqual(6);
		expect(n8n.fake.countRequests('download')).toBeGreaterThanOrEqual(1);
		expect(n8n.fake.tasks.size).toBe(1);
	}, 120_000);

	it('fails the item when the CDN answers 200 with an S3 AccessDenied page instead of the image', async () => {
		n8n.fake.faults.push({
			route: 'download',
			kind: 'reply',
			contentType: 'application/xml',
			body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
		});
		const { record, taskId } = await run('e2eDownloadNotAnImage', 60);

		expect(record.status).toBe('error');
		const { message } = record.data.resultData.error!;
		expect(message).toContain(`Output 1 of task ${taskId}: the download is not a PNG, JPEG or WEBP image`);
		expect(message).toContain('"application/xml"');
		expect(message).toContain('AccessDenied');
		expect(n8n.fake.countRequests('download')).toBe(1);
	}, 120_000);
});
