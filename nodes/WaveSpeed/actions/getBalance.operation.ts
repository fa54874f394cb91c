import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { fetchBalance } from '../helpers/task';
import type { RunContext } from './runContext';

export const description: INodeProperties[] = [];

/** The account's balance in USD, from the free, side-effect-free balance endpoint. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const balance = await fetchBalance(this, itemIndex, run.signal);
	return { json: { balance: balance.balance, currency: 'USD' } };
}
