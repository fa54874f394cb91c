import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { checkCallback, forgetSecret, readRawBody, secretKeyOf } from '../WaveSpeed/webhooks/callbackSecret';
import { decideCallback } from './callbackDecision';
import { triggerProperties } from './description';
import { RecentTasks } from './recentTasks';
import { buildTriggerItem, readTriggerOptions } from './triggerItem';

// This process's memory, shared by every WaveSpeed Trigger it runs (see docs/wait-by-webhook-and-trigger.md, "Limits").
const recentTasks = new RecentTasks();

type TriggerContext = IWebhookFunctions | IHookFunctions;

/** Repeats are counted per trigger node of a workflow. */
function scopeOf(ctx: TriggerContext): string {
	return `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}`;
}

/** Answers the call here and starts nothing. */
function answer(ctx: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ message });
	return { noWebhookResponse: true };
}

export class WaveSpeedTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WaveSpeed Trigger',
		name: 'waveSpeedTrigger',
		icon: { light: 'file:wavespeed.svg', dark: 'file:wavespeed.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'When a task finishes',
		description: 'Starts the workflow when a WaveSpeed task submitted with this URL as its callback finishes',
		eventTriggerDescription: 'Waiting for WaveSpeed to call the Test URL',
		activationMessage: 'WaveSpeed tasks submitted with the Production URL as their callback now start this workflow.',
		defaults: { name: 'WaveSpeed Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'waveSpeedAiApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: triggerProperties,
	};

	// WaveSpeed has nothing to register: the callback URL travels with each task's submit. Deactivating the workflow
	// forgets what this process remembers for it.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				recentTasks.forgetScope(scopeOf(this));
				forgetSecret(secretKeyOf(this));
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const nowMs = Date.now();
		const rawBody = await readRawBody(this);
		if (!rawBody?.length) return answer(this, 401, 'Refused: the call has no body to verify');

		let signatureProblem: string | undefined;
		try {
			signatureProblem = await checkCallback(this, rawBody, nowMs);
		} catch (error) {
			// Nothing can be verified without the secret: a 5xx makes WaveSpeed deliver the call again later.
			this.logger.warn(`WaveSpeed Trigger: could not fetch the webhook secret to verify a callback: ${(error as Error).message}`);
			return answer(this, 503, 'The WaveSpeed webhook secret could not be fetched: try again later');
		}

		const decision = decideCallback({
			signatureProblem,
			rawBody,
			claimTask: (taskId) => recentTasks.claim(scopeOf(this), taskId, nowMs),
		});
		switch (decision.action) {
			case 'refuse':
				this.logger.warn(`WaveSpeed Trigger refused a call (401): ${decision.reason}`);
				return answer(this, 401, `Refused: ${decision.reason}`);
			case 'reject':
				return answer(this, 400, `Not a WaveSpeed prediction: ${decision.reason}`);
			case 'acknowledge':
				return { webhookResponse: { message: decision.reason } };
			case 'start': {
				const options = readTriggerOptions(this.getNodeParameter('options', {}) as IDataObject);
				return { workflowData: [[await buildTriggerItem(this, decision.prediction, options)]] };
			}
		}
	}
}
