import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { IdempotencySetting } from '../reuse/idempotency';
import { parameterError } from '../transport/itemErrors';
import { HISTORY_KEPT_HOURS } from '../reuse/taskHistory';

/** The operations that submit paid tasks (the Options collection also shows for Get Result). */
const PAID_OPERATIONS = ['editImage', 'generateImage', 'runModel'];
export const DEFAULT_REUSE_WINDOW_HOURS = 24;
export const DEFAULT_RECOVERY_HOURS = 6;
const KEY_LABEL = 'Idempotency Key';
const WINDOW_LABEL = 'Reuse Window (Hours)';
const RECOVERY_LABEL = 'Recover Undelivered Results (Hours)';

export const idempotencyKeyOption: INodeProperties = {
	displayName: KEY_LABEL,
	name: 'idempotencyKey',
	type: 'string',
	default: '',
	placeholder: 'e.g. {{ $json.sku }}-v2',
	description:
		"Per item. An item whose key this node already submitted inside the Reuse Window gets that task's result again (reused: true) instead of a new, paid task, across executions, n8n restarts, Retry and queue-mode workers, but only when WaveSpeed confirms the task ran this item's model and inputs; otherwise it pays for a new task and says why (reuseNote). A key whose task failed is submitted again. Not guaranteed for two executions with the same key at the same moment. Manual test runs count too (use a test suffix while testing). Keys belong to this node; needs a saved workflow. Empty: every item is a new task.",
	displayOptions: { show: { '/operation': PAID_OPERATIONS } },
};

export const reuseWindowOption: INodeProperties = {
	displayName: WINDOW_LABEL,
	name: 'reuseWindowHours',
	type: 'number',
	default: DEFAULT_REUSE_WINDOW_HOURS,
	typeOptions: { minValue: 0, maxValue: HISTORY_KEPT_HOURS, numberPrecision: 2 },
	description:
		'With an Idempotency Key: how long a submitted task is reused, at most 168 (WaveSpeed keeps 7 days of task history). Older tasks are paid for again. The check reads WaveSpeed\'s task list of this period (free).',
	displayOptions: { show: { '/operation': PAID_OPERATIONS } },
};

export const recoveryWindowOption: INodeProperties = {
	displayName: RECOVERY_LABEL,
	name: 'recoverWithinHours',
	type: 'number',
	default: DEFAULT_RECOVERY_HOURS,
	typeOptions: { minValue: 0, maxValue: HISTORY_KEPT_HOURS, numberPrecision: 2 },
	description:
		"Per item, without an Idempotency Key. A task paid for in this many hours whose result never reached the workflow (n8n crashed or was redeployed mid-batch, the node failed after paying) is delivered to the next run that sends the exact same request (same node, operation, model and inputs; binary inputs by content), recovered: true, instead of a new, paid task. A result that was delivered is never taken again: running the same request again on purpose pays for a new one. 0: off.",
	displayOptions: { show: { '/operation': PAID_OPERATIONS } },
};

/** The item's key and window, or undefined when the key is empty (every item is a new task, as before). */
export function readIdempotency(ctx: IExecuteFunctions, itemIndex: number): Omit<IdempotencySetting, 'request'> | undefined {
	const { idempotencyKey, reuseWindowHours } = readOptions(ctx, itemIndex);
	if (idempotencyKey === undefined || idempotencyKey === null || idempotencyKey === '') return undefined;
	if (typeof idempotencyKey !== 'string' && !(typeof idempotencyKey === 'number' && Number.isFinite(idempotencyKey))) {
		throw parameterError(ctx.getNode(), itemIndex, KEY_LABEL, 'Expected text or a number', 'Map one field, e.g. {{ $json.sku }}, or build the text in the expression.');
	}
	// NFC: the same text typed or pasted in another Unicode form ("é" as one code point or two) is the same key.
	const key = String(idempotencyKey).trim().normalize('NFC');
	if (!key) return undefined;
	return { kind: 'key', key, reuseWindowMs: readHours(ctx, itemIndex, reuseWindowHours, WINDOW_LABEL, DEFAULT_REUSE_WINDOW_HOURS) };
}

/** How long an undelivered result is recovered (ms); 0 when off, or when an Idempotency Key decides instead. */
export function readRecoveryWindowMs(ctx: IExecuteFunctions, itemIndex: number): number {
	const { recoverWithinHours } = readOptions(ctx, itemIndex);
	return readHours(ctx, itemIndex, recoverWithinHours, RECOVERY_LABEL, DEFAULT_RECOVERY_HOURS);
}

function readOptions(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const raw = ctx.getNodeParameter('options', itemIndex, {}) as unknown;
	return (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as IDataObject;
}

/** Hours from 0 to the 7 days WaveSpeed keeps its task history, as milliseconds. */
function readHours(ctx: IExecuteFunctions, itemIndex: number, raw: unknown, label: string, defaultHours: number): number {
	const hours = raw === undefined || raw === '' ? defaultHours : Number(raw);
	if (!Number.isFinite(hours) || hours < 0) {
		throw parameterError(ctx.getNode(), itemIndex, label, 'Expected a number of hours, 0 or more');
	}
	if (hours > HISTORY_KEPT_HOURS) {
		throw parameterError(ctx.getNode(), itemIndex, label, `At most ${HISTORY_KEPT_HOURS} hours: WaveSpeed keeps 7 days of task history, so an older task could not be found`);
	}
	return hours * 3_600_000;
}
