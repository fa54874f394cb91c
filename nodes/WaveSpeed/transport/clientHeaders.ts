/**
 * WaveSpeed's client attribution headers, as its official SDKs send them (`wavespeed` on npm sends X-Client-Name
 * "wavespeed-js" and its version). Sent on API calls only, never to storage or a CDN. The version is a constant
 * because nodes/ may not read package.json at run time; a test keeps it equal to package.json's.
 */
export const CLIENT_NAME = 'n8n-nodes-wavespeed-models';
export const CLIENT_VERSION = '0.1.0';

export const CLIENT_HEADERS: Readonly<Record<string, string>> = {
	'X-Client-Name': CLIENT_NAME,
	'X-Client-Version': CLIENT_VERSION,
};
