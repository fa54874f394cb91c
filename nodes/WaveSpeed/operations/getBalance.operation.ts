import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { fetchBalance } from '../task/task';
import type { RunContext } from './operation';

export const description: INodeProperties[] = [];

export interface Job {
	itemIndex: number;
}

export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<Job> {
	return { itemIndex };
}

/** The account's balance in USD, from the free, side-effect-free balance endpoint. */
export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	const balance = await fetchBalance(this, job.itemIndex, run.signal);
	return { json: { balance: balance.balance, currency: 'USD' } };
}
