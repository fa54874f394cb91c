/**
 * What the WaveSpeed Trigger does with one incoming call, once its signature has been checked: refuse it, acknowledge
 * it without starting anything, or start one execution for the finished task it reports. Pure.
 */
import { readOutputs } from '../WaveSpeed/media/outputData';
import { isTerminal } from '../WaveSpeed/models/taskStatus';
import type { Task } from '../WaveSpeed/transport/types';

/** What WaveSpeed POSTs: the prediction, with the inputs the task was submitted with. */
export interface CallbackPrediction extends Task {
	input?: Record<string, unknown>;
}

export type CallbackDecision =
	/** Not WaveSpeed's, or too old: 401, nothing started. */
	| { action: 'refuse'; reason: string }
	/** Signed, but not a prediction we can read: 400, nothing started. */
	| { action: 'reject'; reason: string }
	/** Genuine, but nothing to report (a repeat, or a task not finished): 200, nothing started. */
	| { action: 'acknowledge'; reason: string }
	| { action: 'start'; prediction: CallbackPrediction };

export interface CallbackFacts {
	/** Why the signature check failed, or undefined when it passed. */
	signatureProblem: string | undefined;
	/** The exact bytes that were signed. */
	rawBody: Buffer;
	/** Claims the task for this trigger: true the first time, false for a repeat within the window. */
	claimTask: (taskId: string) => boolean;
}

export function decideCallback({ signatureProblem, rawBody, claimTask }: CallbackFacts): CallbackDecision {
	if (signatureProblem !== undefined) return { action: 'refuse', reason: signatureProblem };
	const prediction = parsePrediction(rawBody);
	if (typeof prediction === 'string') return { action: 'reject', reason: prediction };
	if (!isTerminal(prediction.status)) {
		return { action: 'acknowledge', reason: `task ${prediction.id} is "${prediction.status}", not finished: nothing to report yet` };
	}
	// Claimed last: a call that starts nothing must not make a later, reportable one look like a repeat.
	if (!claimTask(prediction.id)) {
		return { action: 'acknowledge', reason: `task ${prediction.id} was already reported: this repeat starts nothing` };
	}
	return { action: 'start', prediction };
}

/** The prediction in the signed bytes (not n8n's parsed body, which may differ from what was signed), or why not. */
export function parsePrediction(rawBody: Buffer): CallbackPrediction | string {
	let value: unknown;
	try {
		value = JSON.parse(rawBody.toString('utf8'));
	} catch {
		return 'the body is not JSON';
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) return 'the body is not a JSON object';
	const prediction = value as Record<string, unknown>;
	if (typeof prediction.id !== 'string' || prediction.id.trim() === '') return 'the body has no task id';
	if (typeof prediction.status !== 'string') return 'the body has no task status';
	// Bare strings or {url: …} objects, as WaveSpeed's own clients accept.
	const outputs = readOutputs(prediction.outputs);
	if (outputs === undefined) return 'the body\'s outputs are not a list of URLs (strings or {url} objects)';
	const input = prediction.input;
	return {
		...(prediction as unknown as Task),
		outputs,
		input: input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined,
	};
}
