import type { IWebhookDescription } from 'n8n-workflow';

/**
 * The action node's one webhook: the resume URL ($execution.resumeUrl) of an execution that waits for WaveSpeed's
 * callback (Wait Method "webhook"); resumeOnCallback.ts answers it. A restart webhook, as n8n's Wait node has: it
 * exists only while an execution waits, and n8n never registers it on activation, so there is nothing to register,
 * check or delete at WaveSpeed (which has no webhook API: the URL travels with each submit). Only restart webhooks
 * belong here: one n8n registers on activation needs a trigger node with webhookMethods (see ARCHITECTURE.md).
 */
export const resumeWebhooks: IWebhookDescription[] = [
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '', restartWebhook: true },
];
