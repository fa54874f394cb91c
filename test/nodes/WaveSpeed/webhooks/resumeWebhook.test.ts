/**
 * Why the action node needs no webhookMethods (and n8n's scanner rule webhook-lifecycle-complete, written for
 * webhook triggers, does not apply to it): every webhook it declares is a restart webhook, which n8n never registers
 * on activation, so there is nothing to check, create or delete. Declaring another kind here would need a lifecycle:
 * this test fails then, before the scanner would have to be trusted to see it.
 */
import { WaveSpeed } from '../../../../nodes/WaveSpeed/WaveSpeed.node';
import { WaveSpeedTrigger } from '../../../../nodes/WaveSpeedTrigger/WaveSpeedTrigger.node';

describe('the action node’s webhook', () => {
	it('is only the resume URL of a waiting execution (a restart webhook), answered by the node’s webhook()', () => {
		const node = new WaveSpeed();
		expect(node.description.webhooks).toEqual([
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '', restartWebhook: true },
		]);
		expect(typeof node.webhook).toBe('function');
		expect(node.description.group).not.toContain('trigger');
	});

	it('has no lifecycle to run: the action node defines no webhookMethods, the trigger defines all three', () => {
		expect((new WaveSpeed() as { webhookMethods?: unknown }).webhookMethods).toBeUndefined();
		const trigger = new WaveSpeedTrigger();
		expect(trigger.description.webhooks?.every((webhook) => webhook.restartWebhook !== true)).toBe(true);
		expect(Object.keys(trigger.webhookMethods.default).sort()).toEqual(['checkExists', 'create', 'delete']);
	});
});
