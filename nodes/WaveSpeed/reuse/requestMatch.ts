import type { IDataObject } from 'n8n-workflow';

import { isBinaryPlaceholder } from '../models/modelInputs';

/**
 * Is an earlier task the answer to this item's request? The second line of the Idempotency Key (the first is the
 * link in n8n's store, reuse/linkStore.ts): before a task's result is output as the key's, its model must be this
 * item's, and its inputs, where WaveSpeed returns them, must be this item's too. Pure.
 */

/** What an item would send, before anything is uploaded: binaries are `binaryPlaceholder(n)` (models/modelInputs). */
export interface RequestPreview {
	/** e.g. openai/gpt-image-2/edit */
	modelId: string;
	inputs: IDataObject;
}

/** What WaveSpeed says about an earlier task. */
export interface EarlierTask {
	id: string;
	model?: string;
	/** `inputs ?? input` of the history entry or the task, where WaveSpeed returns them. */
	inputs?: IDataObject;
}

export type RequestMatch = { matches: true; checked: 'model' | 'model and inputs' } | { matches: false; reason: string };

/**
 * `strict`: the link itself is in doubt (reuse/linkStore.ts: a probe may have left it), so only a task whose every
 * input is returned and equal proves it; a binary input (uploaded again to a new URL each run) cannot prove it.
 */
export function matchEarlierTask(request: RequestPreview, earlier: EarlierTask, strict: boolean): RequestMatch {
	if (!earlier.model) return { matches: false, reason: `WaveSpeed did not say which model task ${earlier.id} ran` };
	if (earlier.model !== request.modelId) return { matches: false, reason: `task ${earlier.id} ran ${earlier.model}, this item runs ${request.modelId}` };
	const mine = Object.entries(request.inputs).filter(([, value]) => value !== undefined);
	if (!earlier.inputs) {
		return strict ? { matches: false, reason: `WaveSpeed did not return the inputs of task ${earlier.id}, and its link could not be proven otherwise` } : { matches: true, checked: 'model' };
	}
	let compared = 0;
	for (const [field, value] of mine) {
		if (!(field in earlier.inputs)) {
			if (strict) return { matches: false, reason: `WaveSpeed did not return input "${field}" of task ${earlier.id}` };
			continue;
		}
		if (strict && containsBinary(value)) return { matches: false, reason: `input "${field}" comes from binary data, which cannot be compared with task ${earlier.id}'s` };
		if (!sameValue(value, earlier.inputs[field])) return { matches: false, reason: `input "${field}" differs from task ${earlier.id}'s` };
		compared++;
	}
	if (compared === 0) return strict ? { matches: false, reason: `no input of task ${earlier.id} could be compared` } : { matches: true, checked: 'model' };
	return { matches: true, checked: 'model and inputs' };
}

function containsBinary(value: unknown): boolean {
	if (typeof value === 'string') return isBinaryPlaceholder(value);
	return Array.isArray(value) && value.some(containsBinary);
}

/** Deep equality, where a binary placeholder stands for any URL (the earlier run uploaded the file to its own URL). */
function sameValue(mine: unknown, theirs: unknown): boolean {
	if (typeof mine === 'string' && isBinaryPlaceholder(mine)) return typeof theirs === 'string' && theirs !== '';
	if (Array.isArray(mine)) return Array.isArray(theirs) && mine.length === theirs.length && mine.every((value, index) => sameValue(value, theirs[index]));
	if (mine && typeof mine === 'object') {
		if (!theirs || typeof theirs !== 'object' || Array.isArray(theirs)) return false;
		const a = mine as IDataObject;
		const b = theirs as IDataObject;
		const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((key) => a[key] !== undefined || b[key] !== undefined));
		return [...keys].every((key) => sameValue(a[key], b[key]));
	}
	return mine === theirs;
}
