import type { INodeProperties } from 'n8n-workflow';

/** Downloads run while WaveSpeed's call waits for its answer: bounded well below a minute by default. */
export const DEFAULT_DOWNLOAD_TIMEOUT_SECONDS = 30;

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'Give WaveSpeed this node\'s Production URL as the callback of a task: the "Callback URL" option of the WaveSpeed node\'s Edit Image or Generate Image, or ?webhook= on your own submit. Query parameters you add to the URL (e.g. ?sku=123) come out in "query". WaveSpeed must be able to reach n8n: set WEBHOOK_URL to n8n\'s public https address.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Download Output',
				name: 'downloadOutput',
				type: 'boolean',
				default: true,
				description:
					'Whether to download a completed task\'s outputs into binary data. Off: only their URLs are returned.',
			},
			{
				displayName: 'Download Timeout (Seconds)',
				name: 'downloadTimeout',
				type: 'number',
				default: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
				typeOptions: { minValue: 1 },
				description:
					'How long the downloads of one task may take. WaveSpeed\'s call is answered after them; if they fail, the execution still starts, with the reason in "downloadError".',
			},
			{
				displayName: 'Output Binary Field',
				name: 'outputBinaryProperty',
				type: 'string',
				default: 'data',
				description: 'The binary field for the first output; further outputs go to the same name with _1, _2, … appended',
			},
		],
	},
];
