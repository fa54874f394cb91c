/**
 * The fixed-interval baseline the benchmark compares the node with: what the peer nodes do. Each of `concurrency`
 * lanes takes an item, uploads its image (ticket + PUT), submits, polls every `pollIntervalMs` until the task is
 * done, downloads the output, and only then takes the next item. Plain fetch against the local server.
 */
interface Envelope<T> {
	data: T;
}

export interface BaselineRun {
	baseUrl: string;
	apiKey: string;
	items: number;
	concurrency: number;
	pollIntervalMs: number;
	image: Buffer;
}

export async function runBaseline(run: BaselineRun): Promise<number> {
	const headers = { Authorization: `Bearer ${run.apiKey}`, 'Content-Type': 'application/json' };
	const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
		for (;;) {
			const response = await fetch(`${run.baseUrl}${path}`, { ...init, headers });
			// A 429 (the account's cap) is waited out the way peers do: a fixed second, then again.
			if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, 1000));
			else return ((await response.json()) as Envelope<T>).data;
		}
	};

	const processItem = async (index: number): Promise<void> => {
		const ticket = await api<{ download_url: string; upload: { url: string; headers?: Record<string, string> } }>('/api/v3/media/uploads', {
			method: 'POST',
			body: JSON.stringify({ filename: `item-${index}.png`, size: run.image.length, content_type: 'image/png' }),
		});
		await fetch(ticket.upload.url, { method: 'PUT', headers: ticket.upload.headers, body: run.image });
		const submitted = await api<{ id: string }>('/api/v3/openai/gpt-image-2/edit', {
			method: 'POST',
			body: JSON.stringify({ images: [ticket.download_url], prompt: 'Put the product in a studio', resolution: '1k', quality: 'medium' }),
		});
		let task: { status: string; outputs?: string[] };
		do {
			await new Promise((resolve) => setTimeout(resolve, run.pollIntervalMs));
			task = await api(`/api/v3/predictions/${submitted.id}/result`);
		} while (task.status !== 'completed' && task.status !== 'failed');
		for (const output of task.outputs ?? []) await (await fetch(output)).arrayBuffer();
	};

	let next = 0;
	const lane = async () => {
		while (next < run.items) await processItem(next++);
	};
	const startedMs = Date.now();
	await Promise.all(Array.from({ length: Math.min(run.concurrency, run.items) }, lane));
	return Date.now() - startedMs;
}
