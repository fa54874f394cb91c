// @n8n/node-cli's own lint configuration, unchanged: what `n8n-node lint` applies to a node package made from n8n's
// starter (typescript-eslint, import-x and both n8n rule sets, as n8n's verification expects). `npm run lint` runs it
// on the package's sources after ours (eslint.config.mjs).
import { config } from '@n8n/node-cli/eslint';

export default config;
