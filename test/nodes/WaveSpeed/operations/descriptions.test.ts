/** What the shared options say: the text a user reads in the editor must say what the code does. */
import type { INodeProperties } from 'n8n-workflow';

import { optionsProperty } from '../../../../nodes/WaveSpeed/operations/descriptions';
import { QUOTE_WAIT_MS } from '../../../../nodes/WaveSpeed/money/modelPrice';

const option = (name: string) => (optionsProperty.options as INodeProperties[]).find((entry) => entry.name === name);

describe('the Options collection', () => {
	// Issue 27: it named GPT Image 2's price table as the estimate, though the code asks WaveSpeed's quote first.
	it("Max Cost per Run: the estimate is WaveSpeed's quote first, the price table or catalogue price only where it gives none", () => {
		const text = String(option('maxCostUsd')?.description);
		expect(text).toMatch(/^Send nothing when the batch's estimated cost is above this\. The estimate is WaveSpeed's free price quote /);
		expect(text.indexOf('price quote')).toBeLessThan(text.indexOf('price table'));
		expect(text).toContain(`at most ${QUOTE_WAIT_MS / 1000} s for the whole batch`);
		expect(text).toContain("where it gives none: GPT Image 2's price table, or for Run Model the catalogue's base price");
	});
});
