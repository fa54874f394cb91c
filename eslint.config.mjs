// n8n's two rule sets for community nodes: the verification scanner's (@n8n/eslint-plugin-community-nodes) and
// the classic node/credential/package rules (eslint-plugin-n8n-nodes-base), wired as @n8n/node-cli does.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tsParser from '@typescript-eslint/parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const communityRecommended = n8nCommunityNodesPlugin.configs.recommended;

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.mjs'] },
	{
		plugins: {
			'@n8n/community-nodes': n8nCommunityNodesPlugin,
			'n8n-nodes-base': n8nNodesBase,
		},
	},
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
		rules: { ...communityRecommended.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// As @n8n/node-cli: these two contradict the scanner's own credential rules.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// As @n8n/node-cli: they want the string 'main', which the scanner's rules reject.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{
		// package.json is read as a JS object by both plugins' rules, so it goes through the TS parser.
		files: ['package.json'],
		languageOptions: { parser: tsParser, parserOptions: { extraFileExtensions: ['.json'] } },
		rules: { ...communityRecommended.rules, ...n8nNodesBase.configs.community.rules },
	},
];
