/** Every workflow in examples/ is importable as it stands: well-formed, and every WaveSpeed parameter one the node has. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import { WaveSpeed } from '../../nodes/WaveSpeed/WaveSpeed.node';
import { WaveSpeedTrigger } from '../../nodes/WaveSpeedTrigger/WaveSpeedTrigger.node';

interface ExampleNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}
interface Example {
	id: string;
	name: string;
	nodes: ExampleNode[];
	connections: Record<string, Record<string, Array<Array<{ node: string }>>>>;
}

const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');
const files = readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.workflow.json'));
/** Each of the package's node types, with its parameters. */
const PROPERTIES: Record<string, INodeProperties[]> = {
	'n8n-nodes-wavespeed-models.waveSpeed': new WaveSpeed().description.properties,
	'n8n-nodes-wavespeed-models.waveSpeedTrigger': new WaveSpeedTrigger().description.properties,
};

/** The properties shown for these parameter values (n8n's displayOptions `show` rules, one level deep). */
function visibleProperties(properties: INodeProperties[], parameters: Record<string, unknown>): INodeProperties[] {
	return properties.filter((property) =>
		Object.entries(property.displayOptions?.show ?? {}).every(([name, values]) =>
			(values as unknown[]).includes(parameters[name] ?? properties.find((p) => p.name === name)?.default),
		),
	);
}

describe.each(files)('examples/%s', (file) => {
	const example = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as Example;
	const names = example.nodes.map((node) => node.name);

	it('has an id, a name, unique node names and ids, and connections between its own nodes', () => {
		expect(example.id).toMatch(/^[A-Za-z0-9]{8,}$/);
		expect(example.name).toMatch(/^WaveSpeed: /);
		expect(new Set(names).size).toBe(names.length);
		expect(new Set(example.nodes.map((node) => node.id)).size).toBe(names.length);
		for (const [source, outputs] of Object.entries(example.connections)) {
			expect(names).toContain(source);
			for (const target of Object.values(outputs).flat(2)) expect(names).toContain(target.node);
		}
		// Every node but the trigger has an incoming connection.
		const targets = new Set(Object.values(example.connections).flatMap((outputs) => Object.values(outputs).flat(2).map((t) => t.node)));
		expect(names.filter((name) => !targets.has(name))).toHaveLength(1);
	});

	const waveSpeedNodes = example.nodes.filter((node) => node.type in PROPERTIES);

	it('uses the WaveSpeed node with its credential, real parameters and valid choices', () => {
		expect(waveSpeedNodes.length).toBeGreaterThan(0);
		for (const node of waveSpeedNodes) {
			expect(node.typeVersion).toBe(1);
			expect(node.credentials?.waveSpeedAiApi?.id).toBeTruthy();
			const visible = visibleProperties(PROPERTIES[node.type], node.parameters);
			for (const [name, value] of Object.entries(node.parameters)) {
				const property = visible.find((candidate) => candidate.name === name);
				expect({ name, known: property !== undefined }).toEqual({ name, known: true });
				const isExpression = typeof value === 'string' && value.startsWith('=');
				if (property?.type === 'options' && !isExpression) {
					expect(property.options?.map((option) => (option as { value: unknown }).value)).toContain(value);
				}
				if (property?.type === 'collection') {
					const known = property.options?.map((option) => option.name) ?? [];
					for (const key of Object.keys(value as object)) expect(known).toContain(key);
				}
			}
			for (const required of visible.filter((property) => property.required)) {
				expect({ required: required.name, given: node.parameters[required.name] !== undefined }).toEqual({ required: required.name, given: true });
			}
		}
	});
});
