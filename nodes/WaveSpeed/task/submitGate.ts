import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Closed by the first submit WaveSpeed refuses for insufficient balance: no further task of the run is submitted (a
 * later one would be refused too, or paid from a top-up that was meant for something else). Tasks already accepted go
 * on and come out as usual.
 */
export class SubmitGate {
	private refusal?: { node: INode; message: string };

	close(node: INode, refusal: Error): void {
		this.refusal ??= { node, message: refusal.message };
	}

	/** The error of an item not submitted because the gate is closed; undefined while it is open. */
	notSubmitted(itemIndex: number): Error | undefined {
		if (!this.refusal) return undefined;
		return new NodeOperationError(this.refusal.node, 'Not submitted: WaveSpeed refused an earlier task of this run for insufficient balance', {
			itemIndex,
			description: `WaveSpeed's refusal: ${this.refusal.message}. Nothing was billed for this item. Top up the WaveSpeed account, then run the items that did not run again.`,
		});
	}
}
