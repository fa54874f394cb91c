// Jest resolver for `N8N_WORKFLOW_MAJOR=1`: our code (nodes, credentials, tests) gets n8n-workflow 1.x, while
// n8n's own packages used by the test harness (n8n-core, @n8n/backend-network) keep the 2.x they were built with.
const path = require('path');

module.exports = (request, options) => {
	const ownCode = !options.basedir.split(path.sep).includes('node_modules');
	if (request === 'n8n-workflow' && ownCode) {
		return options.defaultResolver('n8n-workflow-v1', options);
	}
	return options.defaultResolver(request, options);
};
