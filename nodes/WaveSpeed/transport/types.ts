import type { IExecuteFunctions } from 'n8n-workflow';

/** The shapes WaveSpeed's API sends and receives. Types only. */

/** Every JSON reply is wrapped like this; `code` mirrors the HTTP status. */
export interface Envelope<T> {
	code: number;
	message: string;
	data: T | null;
}

/** A "prediction": what submit and result both return. */
export interface Task {
	id: string;
	model?: string;
	status: string;
	outputs?: string[];
	urls?: { get?: string };
	has_nsfw_contents?: boolean[];
	created_at?: string;
	error?: string;
	/** A business code (1200 moderation, 1402 input not downloadable, 5004 sync time-out…), not an HTTP status. */
	code?: number;
	timings?: { inference?: number };
}

export interface UploadTicket {
	download_url: string;
	upload: {
		url: string;
		method?: string;
		headers?: Record<string, string>;
		expires_at?: string;
	};
}

export interface LegacyUploadResult {
	type?: string;
	download_url: string;
	filename?: string;
	size?: number;
}

export interface Balance {
	balance: number;
}

/** The body of an edit or text-to-image submit. Optional fields are left out rather than sent empty. */
export interface ImageTaskRequest {
	images?: string[];
	prompt: string;
	aspect_ratio?: string;
	resolution?: string;
	quality?: string;
	enable_sync_mode?: boolean;
	enable_base64_output?: boolean;
}

/** A binary's byte stream, typed through n8n-workflow (nodes may not import Node's `stream`). */
export type BinaryStream = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;
