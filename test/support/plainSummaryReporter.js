// Ends every jest run with the slowest test files (where the time goes) and the plain line "N passed, N failed"
// (CI reads that line in any language). JEST_SLOWEST_FILES=n changes how many files are listed (0: none).
class PlainSummaryReporter {
	onRunComplete(_contexts, results) {
		const count = Number(process.env.JEST_SLOWEST_FILES ?? 10);
		const timed = results.testResults
			.map((file) => ({ path: file.testFilePath, ms: file.perfStats.end - file.perfStats.start }))
			.filter((file) => file.ms > 0)
			.sort((a, b) => b.ms - a.ms);
		if (count > 0 && timed.length > 1) {
			const root = `${process.cwd()}/`;
			process.stdout.write(`\nslowest test files:\n`);
			for (const file of timed.slice(0, count)) {
				process.stdout.write(`${(file.ms / 1000).toFixed(1).padStart(8)} s  ${file.path.replace(root, '')}\n`);
			}
		}
		const skipped = results.numPendingTests + results.numTodoTests;
		process.stdout.write(
			`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
		);
	}
}
module.exports = PlainSummaryReporter;
