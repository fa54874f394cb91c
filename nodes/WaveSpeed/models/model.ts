/** Facts about WaveSpeed's GPT Image 2 models: endpoints, accepted values, limits and prices. Pure. */

export const EDIT_IMAGE_ENDPOINT = '/api/v3/openai/gpt-image-2/edit';
export const GENERATE_IMAGE_ENDPOINT = '/api/v3/openai/gpt-image-2/text-to-image';
export const BALANCE_ENDPOINT = '/api/v3/balance';

export const ASPECT_RATIOS = [
	'1:1',
	'3:2',
	'2:3',
	'3:4',
	'4:3',
	'4:5',
	'5:4',
	'9:16',
	'16:9',
	'21:9',
] as const;
/** `auto` is ours: it means "leave the field out", so WaveSpeed takes the ratio of the first image. */
export const AUTO_ASPECT_RATIO = 'auto';
export const RESOLUTIONS = ['1k', '2k', '4k'] as const;
export const QUALITIES = ['low', 'medium', 'high'] as const;

export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
export type Quality = (typeof QUALITIES)[number];

/** Text-to-image has no first image to take the ratio from. */
export const DEFAULT_GENERATE_ASPECT_RATIO: AspectRatio = '1:1';
export const DEFAULT_RESOLUTION: Resolution = '1k';
export const DEFAULT_QUALITY: Quality = 'medium';

export const MIN_IMAGES = 1;
/** OpenAI's limit; WaveSpeed documents none, so we keep OpenAI's. */
export const MAX_IMAGES = 16;

/** The formats WaveSpeed accepts as edit inputs. */
export const ACCEPTED_IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/**
 * Estimated USD per task, by quality then resolution: WaveSpeed's published list, used only where its price quote does
 * not answer (money/modelPrice.ts). One WaveSpeed page disagrees ("from $0.060/run"), so it is labelled an estimate.
 */
export const PRICE_USD: Record<Quality, Record<Resolution, number>> = {
	low: { '1k': 0.03, '2k': 0.06, '4k': 0.09 },
	medium: { '1k': 0.06, '2k': 0.12, '4k': 0.18 },
	high: { '1k': 0.22, '2k': 0.44, '4k': 0.66 },
};

export function estimateCostUsd(quality: Quality, resolution: Resolution): number {
	return PRICE_USD[quality][resolution];
}

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
	return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** A task of GPT Image 2 (or of unknown model, as older replies had none): its outputs must be images. */
export function isGptImage2Model(model: string | undefined): boolean {
	return !model || model.startsWith('openai/gpt-image-2');
}
