/**
 * Finds promises nobody waits for, which tsc lets through: a call whose
 * promise is dropped as a statement, or a promise used as a condition
 * (`if (!db.getInstance(id))` is always false). The classic bug of making a
 * synchronous API async; run over the compute part by its test. `void p`
 * says a promise is dropped on purpose.
 */
import ts from 'typescript';
import { relative } from 'node:path';

export interface FloatingPromise {
  file: string;
  line: number;
  text: string;
  why: 'dropped' | 'condition';
}

/** A Promise (not any thenable: fastify's reply is one); `whole`: every member of a union is (`p | undefined` is a fair condition). */
function isPromise(checker: ts.TypeChecker, node: ts.Expression, whole = false): boolean {
  const type = checker.getTypeAtLocation(node);
  const parts = type.isUnion() ? type.types : [type];
  const promise = (t: ts.Type) => t.getSymbol()?.getName() === 'Promise';
  return whole ? parts.every(promise) : parts.some(promise);
}

/** node:test's own calls, whose promises the runner waits for. */
const RUNNER = new Set(['test', 'it', 'describe', 'suite']);

/** `p.catch(…)` or `p.then(…, …)` as a statement: the chain handles its own end; node:test's `test(…)` too. */
function handled(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (ts.isIdentifier(callee) && RUNNER.has(callee.text)) return true;
  return ts.isPropertyAccessExpression(callee) && (callee.name.text === 'catch' || (callee.name.text === 'then' && call.arguments.length === 2));
}

/** Every floating promise in the files under `roots` (paths relative to `base`, which holds tsconfig.json). */
export function findFloatingPromises(base: string, roots: readonly string[]): FloatingPromise[] {
  const configPath = ts.findConfigFile(base, ts.sys.fileExists, 'tsconfig.json');
  if (!configPath) throw new Error(`no tsconfig.json in ${base}`);
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, base);
  const files = config.fileNames.filter((f) => roots.some((r) => relative(base, f).startsWith(r)));
  const program = ts.createProgram(files, { ...config.options, noEmit: true, incremental: false });
  const checker = program.getTypeChecker();
  const out: FloatingPromise[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(sf.fileName)) continue;
    const report = (node: ts.Node, why: FloatingPromise['why']) => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      out.push({ file: relative(base, sf.fileName), line: line + 1, text: node.getText(sf).slice(0, 100), why });
    };
    const condition = (e: ts.Expression | undefined) => {
      if (e && isPromise(checker, e, true)) report(e, 'condition');
    };
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression) && !handled(node.expression) && isPromise(checker, node.expression)) report(node, 'dropped');
      if (ts.isIfStatement(node) || ts.isWhileStatement(node)) condition(node.expression);
      if (ts.isConditionalExpression(node)) condition(node.condition);
      if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) condition(node.operand);
      if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) condition(node.left);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}
