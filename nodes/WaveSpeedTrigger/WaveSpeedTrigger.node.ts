import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { CREDENTIAL_TYPE, apiRequest } from '../WaveSpeed/transport';
import type { CallbackHeaders } from '../WaveSpeed/webhooks/signature';
import { decideCallback } from './callbackDecision';
import { SecretCache, readSecret, verifyCallback } from './callbackSecret';
import { triggerProperties } from './description';
import { RecentTasks } from './recentTasks';
import { buildTriggerItem, readTriggerOptions } from './triggerItem';

// This process's memory, shared by every WaveSpeed Trigger it runs (see the README's limits).
const secrets = new SecretCache();
const recentTasks = new RecentTasks();

type TriggerContext = IWebhookFunctions | IHookFunctions;

const SECRET_REQUEST = { method: 'GET', path: '/api/v3/webhook/secret', kind: 'read', itemIndex: 0, timeoutMs: 10_000 } as const;
/** The secret is fetched while WaveSpeed's call waits: retries included, it gives up well before the caller does. */
const SECRET_FETCH_LIMIT_MS = 20_000;

/** Repeats are counted per trigger node of a workflow. */
function scopeOf(ctx: TriggerContext): string {
	return `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}`;
}

/** The secret belongs to the account: one per credential. */
function secretKeyOf(ctx: TriggerContext): string {
	return ctx.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? `node:${ctx.getNode().id}`;
}

/** Answers the call here and starts nothing. */
function answer(ctx: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ message });
	return { noWebhookResponse: true };
}

function pickSignatureHeaders(headers: IDataObject): CallbackHeaders {
	const read = (name: keyof CallbackHeaders) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
	return { 'webhook-id': read('webhook-id'), 'webhook-timestamp': read('webhook-timestamp'), 'webhook-signature': read('webhook-signature') };
}

/** The exact bytes WaveSpeed signed. n8n reads them before it parses a JSON body (req.rawBody, n8n 1.x and 2.x). */
async function readRawBody(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const request = ctx.getRequestObject();
	if (!Buffer.isBuffer(request.rawBody) && typeof request.readRawBody === 'function') await request.readRawBody();
	return Buffer.isBuffer(request.rawBody) ? request.rawBody : undefined;
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
		credentials: [{ name: 'wavespeedApi', required: true }],
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
				secrets.forget(secretKeyOf(this));
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const nowMs = Date.now();
		const rawBody = await readRawBody(this);
		if (!rawBody?.length) return answer(this, 401, 'Refused: the call has no body to verify');

		const key = secretKeyOf(this);
		const fetchSecret = async () =>
			readSecret(
				await apiRequest(this, { ...SECRET_REQUEST, deadlineMs: Date.now() + SECRET_FETCH_LIMIT_MS }),
			);
		let signatureProblem: string | undefined;
		try {
			signatureProblem = await verifyCallback(
				pickSignatureHeaders(this.getHeaderData() as IDataObject),
				rawBody,
				{ current: async () => await secrets.get(key, fetchSecret, nowMs), refetched: async () => await secrets.refetch(key, fetchSecret, nowMs) },
				nowMs,
			);
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
