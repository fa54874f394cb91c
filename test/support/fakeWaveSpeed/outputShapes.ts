/**
 * How the local WaveSpeed server lists a task's outputs: bare strings (GPT Image 2's documented shape) or `{url: …}`
 * objects, which some WaveSpeed models send and WaveSpeed's own n8n node and desktop app accept.
 */
export function shapeOutputs(outputs: string[], asObjects: boolean): Array<string | { url: string }> {
	return asObjects ? outputs.map((url) => ({ url })) : outputs;
}
