import type { INodeExecutionData } from 'n8n-workflow';

/** One item's end: its output item, or the error it failed with (and its task, if one was paid for). */
export type ItemOutcome = { item: INodeExecutionData } | { error: Error; taskId?: string };
