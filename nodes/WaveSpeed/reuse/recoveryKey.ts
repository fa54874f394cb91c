import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { isBinaryPlaceholder } from '../models/modelInputs';
import type { RequestPreview } from './requestMatch';

/**
 * "The same thing", for recovering a result a crashed run paid for: the operation, the model and every input the item
 * would send, each binary input by its content (its upload URL differs every run), never the item's position. Items of
 * one batch with the same request are told apart by their order among themselves: the second "a mug" of a re-run gets
 * the second "a mug" of the crashed run, and two of them in one batch are two tasks, as today.
 */
export interface RecoverySource {
	operation: string;
	request: RequestPreview;
	/** The binaries behind `binaryPlaceholder(n)`, in order; their content keys are read once (shared with the upload). */
	binaries: Array<{ identify(): Promise<{ contentKey: string }> }>;
}

export async function fingerprintRequest(source: RecoverySource): Promise<string> {
	const contentKeys = await Promise.all(source.binaries.map(async (binary) => (await binary.identify()).contentKey));
	const inputs = replacePlaceholders(source.request.inputs, (index) => `binary:${contentKeys[index] ?? index}`);
	const canonical = canonicalJson({ operation: source.operation, model: source.request.modelId, inputs });
	return createHash('sha256').update(canonical).digest('base64url');
}

/** Each item's recovery key, in batch order: its request's fingerprint and how many items before it share it. */
export class RecoveryKeys {
	private readonly fingerprints = new Map<number, Promise<string | undefined>>();
	/** Keys in batch order, each after the one before it: every item is counted once (not once per later item). */
	private readonly keys: Array<Promise<string | undefined>> = [];
	/** How many items so far had each fingerprint. */
	private readonly seen = new Map<string, number>();

	constructor(private readonly sources: Array<RecoverySource | undefined>) {}

	async keyFor(itemIndex: number): Promise<string | undefined> {
		while (this.keys.length <= itemIndex) {
			const fingerprint = this.fingerprintOf(this.keys.length);
			const previous = this.keys[this.keys.length - 1] ?? Promise.resolve(undefined);
			this.keys.push(previous.then(async () => this.count(await fingerprint)));
		}
		return await this.keys[itemIndex];
	}

	private count(fingerprint: string | undefined): string | undefined {
		if (fingerprint === undefined) return undefined;
		const earlier = this.seen.get(fingerprint) ?? 0;
		this.seen.set(fingerprint, earlier + 1);
		return `recover:${fingerprint}#${earlier}`;
	}

	private async fingerprintOf(itemIndex: number): Promise<string | undefined> {
		let fingerprint = this.fingerprints.get(itemIndex);
		if (!fingerprint) {
			const source = this.sources[itemIndex];
			// A binary that cannot be read here fails at its upload, with its own error: no key, no recovery.
			fingerprint = source ? fingerprintRequest(source).catch(() => undefined) : Promise.resolve(undefined);
			this.fingerprints.set(itemIndex, fingerprint);
		}
		return await fingerprint;
	}
}

function replacePlaceholders(value: unknown, describe: (index: number) => string): unknown {
	if (typeof value === 'string' && isBinaryPlaceholder(value)) return describe(Number(value.slice(value.lastIndexOf('/') + 1)));
	if (Array.isArray(value)) return value.map((entry) => replacePlaceholders(entry, describe));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value as IDataObject).map(([key, entry]) => [key, replacePlaceholders(entry, describe)]));
	}
	return value;
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as IDataObject).filter(([, entry]) => entry !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
