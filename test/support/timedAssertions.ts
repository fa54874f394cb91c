/**
 * Finds upper bounds on wall-clock time in a test file: `expect(<time>).toBeLessThan(…)` where the value holds
 * Date.now() or performance.now(), or a name set from them, or where the bound adds a literal to a time
 * (`toBeLessThan(request.atMs + 1500)`). Used by test/package/timedAssertions.test.ts.
 */
import * as ts from 'typescript';

const UPPER_BOUNDS = new Set(['toBeLessThan', 'toBeLessThanOrEqual']);

const isClockRead = (node: ts.Node): boolean =>
	ts.isCallExpression(node) &&
	ts.isPropertyAccessExpression(node.expression) &&
	node.expression.name.text === 'now' &&
	ts.isIdentifier(node.expression.expression) &&
	['Date', 'performance'].includes(node.expression.expression.text);

const some = (node: ts.Node, test: (child: ts.Node) => boolean): boolean => test(node) || (ts.forEachChild(node, (child) => some(child, test) || undefined) ?? false);

/** A time plus a literal, as in `firstDownload.atMs + 1500`. */
const isTimePlusLiteral = (node: ts.Node): boolean =>
	ts.isBinaryExpression(node) &&
	node.operatorToken.kind === ts.SyntaxKind.PlusToken &&
	[node.left, node.right].some(ts.isNumericLiteral) &&
	[node.left, node.right].some((side) => /(Ms|At)$/.test(side.getText().replace(/!$/, '')));

/** Lines of `source` with an upper bound on wall-clock time. */
export function findTimedAssertions(fileName: string, source: string): number[] {
	const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
	// Names that hold a clock reading, or a value computed from one (`const elapsedMs = Date.now() - startedMs`).
	const clockNames = new Set<string>();
	const readsClock = (node: ts.Node) => some(node, (child) => isClockRead(child) || (ts.isIdentifier(child) && clockNames.has(child.text)));
	for (let grew = true; grew; ) {
		grew = false;
		const visit = (node: ts.Node) => {
			if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && !clockNames.has(node.name.text) && readsClock(node.initializer)) {
				clockNames.add(node.name.text);
				grew = true;
			}
			ts.forEachChild(node, visit);
		};
		visit(file);
	}
	const lines: number[] = [];
	const visit = (node: ts.Node) => {
		// expect(value).toBeLessThan(bound)
		if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && UPPER_BOUNDS.has(node.expression.name.text)) {
			const expectCall = node.expression.expression;
			if (ts.isCallExpression(expectCall) && ts.isIdentifier(expectCall.expression) && expectCall.expression.text === 'expect') {
				const [value] = expectCall.arguments;
				const [bound] = node.arguments;
				if ((value && readsClock(value)) || (bound && some(bound, isTimePlusLiteral))) {
					lines.push(file.getLineAndCharacterOfPosition(node.getStart()).line + 1);
				}
			}
		}
		ts.forEachChild(node, visit);
	};
	visit(file);
	return lines;
}
