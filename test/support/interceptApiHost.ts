/**
 * For a node whose API host is fixed in its code (WaveSpeed's official node calls https://api.wavespeed.ai): an HTTPS
 * proxy on 127.0.0.1 that n8n uses through HTTPS_PROXY, which answers for that one host with a certificate made here
 * (trusted by n8n through NODE_EXTRA_CA_CERTS) and hands each request to the local WaveSpeed server. Any other host
 * is refused, so nothing leaves this machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, createSecureContext } from 'node:tls';

export interface InterceptedRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
}

export interface ApiHostInterceptor {
	/** For HTTPS_PROXY. */
	proxyUrl: string;
	/** The certificate the proxy presents for the host, for NODE_EXTRA_CA_CERTS. */
	certificateFile: string;
	/** Every CONNECT target asked of the proxy, refused or not. */
	connects: string[];
	/** Every request made to the host through the proxy. */
	requests: InterceptedRequest[];
	close(): Promise<void>;
}

export async function interceptApiHost(host: string, targetUrl: string, dir: string): Promise<ApiHostInterceptor> {
	const keyFile = join(dir, `${host}.key.pem`);
	const certificateFile = join(dir, `${host}.cert.pem`);
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', keyFile, '-out', certificateFile], { stdio: 'ignore' });
	const secureContext = createSecureContext({ key: readFileSync(keyFile), cert: readFileSync(certificateFile) });
	const target = new URL(targetUrl);
	const connects: string[] = [];
	const requests: InterceptedRequest[] = [];
	const sockets = new Set<Socket>();

	// The decrypted requests, passed on unchanged to the local server.
	const forwarder = createServer((incoming, outgoing) => {
		requests.push({ method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers });
		const upstream = request(
			{ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
			(reply) => {
				outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
				reply.pipe(outgoing);
			},
		);
		upstream.on('error', () => outgoing.destroy());
		incoming.pipe(upstream);
	});

	const proxy = createServer((_incoming, outgoing) => outgoing.writeHead(405).end());
	proxy.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	proxy.on('connect', (incoming, socket: Socket, head: Buffer) => {
		connects.push(incoming.url ?? '');
		if (incoming.url !== `${host}:443`) {
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		if (head.length) socket.unshift(head);
		forwarder.emit('connection', new TLSSocket(socket, { isServer: true, secureContext }));
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const { port } = proxy.address() as { port: number };

	return {
		proxyUrl: `http://127.0.0.1:${port}`,
		certificateFile,
		connects,
		requests,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			forwarder.close();
			await new Promise<void>((resolve) => proxy.close(() => resolve()));
		},
	};
}
