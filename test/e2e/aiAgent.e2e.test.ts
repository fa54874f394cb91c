/**
 * End to end as an AI agent's tool: in a real n8n 2.40.7, Manual Trigger → AI Agent with an OpenAI Chat Model (its
 * credential's Base URL pointed at a scripted local OpenAI stand-in, test/support/fakeOpenAi.ts) and this node as its
 * tool (Edit Image, parameters from $fromAI), against the local WaveSpeed server. The model calls the tool, the tool's
 * output items go back to the model as the tool message (which the fake records), and the model answers quoting them.
 * Nothing leaves localhost. Uses the n8n install of the other end-to-end test (.cache/n8n, or $N8N_CACHE_DIR).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { N8nInstall, RunRecord } from '../../scripts/lib/localN8n';
import {
	WAVESPEED_NODE_TYPE,
	executeWorkflow,
	findRepoDir,
	prepareTestN8n,
	getNodeOutput,
	importCredential,
	importWorkflow,
	runN8nOrThrow,
	selectedN8nVersion,
} from '../../scripts/lib/localN8n';
import { startFakeOpenAi, toolResults } from '../support/fakeOpenAi';
import type { ChatCompletionRequest, FakeOpenAi, ScriptedTurn } from '../support/fakeOpenAi';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import { useSuiteN8nServer } from '../support/suiteN8nServer';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';

const WAVESPEED_CREDENTIAL = { id: 'e2eAgentWaveSpeedCred', name: 'WaveSpeed (local test server)' };
const OPENAI_CREDENTIAL = { id: 'e2eAgentOpenAiCred', name: 'OpenAI (local scripted server)' };

const TOOL_NODE_NAME = 'WaveSpeed edit image';
/** What n8n calls the tool for the model: the node name with runs of other characters made "_" (nodeNameToToolName). */
const TOOL_NAME = 'WaveSpeed_edit_image';
const USER_PROMPT = 'Edit https://images.example.com/shoe.png: put the shoe on a beach';
/** What the node answers an agent with (docs/edit-images-in-a-batch.md, "As an AI agent's tool"): not has_nsfw_contents, timings, images, …. */
const AGENT_FIELDS = ['id', 'status', 'outputs', 'error', 'estimatedCostUsd'];
const LLM_ARGUMENTS = { prompt: 'Put the shoe on a sunny beach', imageUrl: 'https://images.example.com/shoe.png' };

/** The tool's answer, as the model got it: n8n sends the tool node's output items' JSON as a JSON array. */
function parseToolResult(content: string): Array<Record<string, unknown>> {
	try {
		const parsed = JSON.parse(content) as unknown;
		return Array.isArray(parsed) ? (parsed as Array<Record<string, unknown>>) : [parsed as Record<string, unknown>];
	} catch {
		return [];
	}
}

/** The scripted model's final answer: it quotes the task id and the first output URL from the tool's result. */
function finalAnswer(request: ChatCompletionRequest): string {
	const [result] = toolResults(request);
	const [json] = parseToolResult(result?.content ?? '');
	if (!json) return `The tool answered something I cannot read: ${result?.content ?? '(nothing)'}`;
	if (json.error) return `The edit failed: ${String(json.error)}`;
	const outputs = Array.isArray(json.outputs) ? (json.outputs as unknown[]) : [];
	return `Done: WaveSpeed task ${String(json.id)} is ${String(json.status)}. The edited image: ${String(outputs[0] ?? '(none)')}`;
}

/**
 * Agent 3.x (n8n 2.x's default) asks n8n's workflow executor to run the tool (an engine request: the tool node runs as
 * an ordinary node with the model's arguments as its input item); Agent 2.x runs the tool inside its LangChain loop
 * (the tool node runs in a supply-data context with the ai_tool connection type). The node must behave the same in both.
 * n8n 1.x's newest Agent is 3 (engine requests too); 3.1 exists only in n8n 2.x.
 */
const NEWEST_AGENT = selectedN8nVersion().startsWith('1.') ? 3 : 3.1;
const AGENT_VERSIONS = [
	{ version: NEWEST_AGENT, path: 'engine request through the workflow executor' },
	{ version: 2.2, path: "LangChain's agent loop inside the agent node" },
];

/** The scripted model: first call the tool with these arguments, then answer quoting what the tool returned. */
const SCRIPT: ScriptedTurn[] = [{ toolCalls: [{ name: TOOL_NAME, arguments: LLM_ARGUMENTS }] }, { content: finalAnswer }];

function agentWorkflow(agentVersion: number) {
	return {
		id: `e2eWaveSpeedAgentV${String(agentVersion).replace('.', '')}`,
		name: `WaveSpeed as an AI agent tool (Agent ${agentVersion})`,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {
			Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
			[TOOL_NODE_NAME]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
		nodes: [
			{ id: 'a1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'a2',
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: agentVersion,
				position: [220, 0],
				parameters: { promptType: 'define', text: USER_PROMPT, options: { enableStreaming: false } },
			},
			{
				id: 'a3',
				name: 'OpenAI Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.3,
				position: [120, 220],
				// Chat Completions (not the Responses API), one request per model turn: no retries to consume the script.
				parameters: {
					model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
					responsesApiEnabled: false,
					options: { maxRetries: 0 },
				},
				credentials: { openAiApi: OPENAI_CREDENTIAL },
			},
			{
				id: 'a4',
				name: TOOL_NODE_NAME,
				type: `${WAVESPEED_NODE_TYPE}Tool`,
				typeVersion: 1,
				position: [340, 220],
				parameters: {
					operation: 'editImage',
					prompt: "={{ $fromAI('prompt', 'What to change in the image', 'string') }}",
					imageSource: 'url',
					imageUrls: "={{ $fromAI('imageUrl', 'Public URL of the image to edit', 'string') }}",
					options: { pollInterval: 0.5 },
				},
				credentials: { waveSpeedAiApi: WAVESPEED_CREDENTIAL },
			},
		],
	};
}

describe('in a real n8n, as an AI agent tool', () => {
	let install: N8nInstall;
	let waveSpeed: FakeWaveSpeed;
	let openAi: FakeOpenAi;
	let workDir: string;
	let env: NodeJS.ProcessEnv;

	beforeAll(async () => {
		({ install, workDir, env } = await prepareTestN8n(findRepoDir(__dirname), 'wavespeed-agent-e2e-'));
		waveSpeed = await startFakeWaveSpeed({ inferenceMs: 300 });
		openAi = await startFakeOpenAi({ script: SCRIPT });
		await importCredential(
			install,
			env,
			{ ...WAVESPEED_CREDENTIAL, apiKey: waveSpeed.options.apiKey, baseUrl: waveSpeed.url },
			workDir,
		);
		const openAiCredentialFile = join(workDir, `credential-${OPENAI_CREDENTIAL.id}.json`);
		writeFileSync(
			openAiCredentialFile,
			JSON.stringify([
				{ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: openAi.options.apiKey, url: openAi.url, header: false } },
			]),
		);
		await runN8nOrThrow(install, ['import:credentials', `--input=${openAiCredentialFile}`], env);
	}, 15 * 60_000);
	const suiteServer = useSuiteN8nServer(() => install && { install, env });

	afterAll(async () => {
		await suiteServer.stop();
		await waveSpeed?.close();
		await openAi?.close();
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it.each(AGENT_VERSIONS)('Agent $version ($path) calls Edit Image and gets compact JSON back', async ({ version }) => {
		waveSpeed.reset();
		openAi.reset(SCRIPT);
		const workflow = agentWorkflow(version);
		await importWorkflow(install, env, workflow, workDir);
		const record: RunRecord = await executeWorkflow(install, env, workflow.id);

		const failure = record.data.resultData.error;
		expect({ status: record.status, error: failure?.message }).toEqual({ status: 'success', error: undefined });

		// The model was asked twice, on the local server only, with the credential's key.
		const chats = openAi.chatRequests();
		expect(chats).toHaveLength(2);
		expect(openAi.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([
			'POST /v1/chat/completions 200',
			'POST /v1/chat/completions 200',
		]);

		// First turn: the user's prompt, and our node offered as a tool whose arguments are the $fromAI keys.
		const [first, second] = chats;
		expect(first.model).toBe('gpt-4o-mini');
		expect(first.messages.some((message) => message.role === 'user' && String(message.content).includes(USER_PROMPT))).toBe(true);
		const tool = first.tools?.find((offered) => offered.function.name === TOOL_NAME);
		expect(tool).toBeDefined();
		expect(tool?.function.parameters).toMatchObject({
			type: 'object',
			properties: {
				prompt: { type: 'string', description: 'What to change in the image' },
				imageUrl: { type: 'string', description: 'Public URL of the image to edit' },
			},
			required: expect.arrayContaining(['prompt', 'imageUrl']),
		});

		// The tool ran once, with what the model asked for.
		expect(waveSpeed.tasks.size).toBe(1);
		const [task] = [...waveSpeed.tasks.values()];
		expect(task.request).toMatchObject({ prompt: LLM_ARGUMENTS.prompt, images: [LLM_ARGUMENTS.imageUrl] });
		const outputUrl = `${waveSpeed.url}/cdn/${task.id}/output-0.png`;

		// Second turn: the tool's result went back to the model, as the answer to its call.
		const results = toolResults(second);
		expect(results.map((result) => result.toolCallId)).toEqual([openAi.replies()[0].tool_calls?.[0].id]);
		const content = results[0].content;
		const [json, ...more] = parseToolResult(content);
		expect(more).toHaveLength(0);
		expect(json).toMatchObject({ id: task.id, status: 'completed', outputs: [outputUrl] });

		// The agent's answer quotes the task id and the image URL it got from the tool.
		const [agentItem] = getNodeOutput(record, 'AI Agent');
		expect(String(agentItem.json.output)).toContain(task.id);
		expect(String(agentItem.json.output)).toContain(outputUrl);

		// Compact for a model: only the agent fields, no base64, under 1000 characters, and no image downloaded.
		expect({
			content,
			otherFields: Object.keys(json).filter((key) => !AGENT_FIELDS.includes(key)),
			base64: /[A-Za-z0-9+/=]{200,}|iVBORw0KGgo/.test(content),
			under1000: content.length < 1000,
			downloads: waveSpeed.countRequests('download'),
		}).toEqual({ content, otherFields: [], base64: false, under1000: true, downloads: 0 });
	}, 180_000);

	// n8n 1.x's Agent 3 does not hand a tool node's error back to the model: the execution fails with the node's error,
	// which names the paid task (n8n 2.x's Agent 3.1 answers the model, which goes on).
	const toolErrorReachesModel = NEWEST_AGENT !== 3;
	const failedTaskOutcome = toolErrorReachesModel
		? 'reaches the model as a short error naming the task, and the agent goes on'
		: 'fails the execution (n8n 1.x) with an error naming the task';

	it(`Agent ${NEWEST_AGENT}: a task that fails ${failedTaskOutcome}`, async () => {
		waveSpeed.reset();
		openAi.reset([
			{ toolCalls: [{ name: TOOL_NAME, arguments: { ...LLM_ARGUMENTS, prompt: 'Put the shoe on a beach [fail]' } }] },
			{ content: finalAnswer },
		]);
		const workflow = { ...agentWorkflow(NEWEST_AGENT), id: 'e2eWaveSpeedAgentFails', name: 'WaveSpeed as an AI agent tool: failed task' };
		await importWorkflow(install, env, workflow, workDir);
		const record = await executeWorkflow(install, env, workflow.id);

		expect(record.status).toBe(toolErrorReachesModel ? 'success' : 'error');
		expect(waveSpeed.tasks.size).toBe(1);
		const [task] = [...waveSpeed.tasks.values()];
		const chats = openAi.chatRequests();
		if (!toolErrorReachesModel) {
			expect(record.data.resultData.error?.message).toContain(`WaveSpeed task ${task.id} ended "failed": Content policy violation`);
			expect([chats.length, waveSpeed.countRequests('download')]).toEqual([1, 0]);
			return;
		}
		expect(chats).toHaveLength(2);
		const [result] = toolResults(chats[1]);
		const [json] = parseToolResult(result.content);
		expect(String(json.error)).toContain(task.id);
		expect(String(json.error)).toContain('Content policy violation');
		expect(result.content.length).toBeLessThan(1000);
		expect(waveSpeed.countRequests('download')).toBe(0);
		expect(String(getNodeOutput(record, 'AI Agent')[0].json.output)).toContain(task.id);
	}, 180_000);
});
