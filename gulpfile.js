// Copies what tsc does not emit (icons and codex files) next to the compiled nodes and credentials in dist/.
const { src, dest, parallel } = require('gulp');

function copyNodeAssets() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json'], { encoding: false }).pipe(dest('dist/nodes'));
}

function copyCredentialAssets() {
	return src('credentials/**/*.{png,svg}', { encoding: false, allowEmpty: true }).pipe(dest('dist/credentials'));
}

exports['build:icons'] = parallel(copyNodeAssets, copyCredentialAssets);
