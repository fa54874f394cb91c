import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

/** Where WaveSpeed is called from: a node's run, or a webhook (a resumed wait, the Trigger) with the same helpers. */
export type ApiContext = IExecuteFunctions | IWebhookFunctions;
