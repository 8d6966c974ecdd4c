/**
 * The local cloud's two HTTP servers (the edge endpoint and the Order API) listen the same way: on 127.0.0.1 only,
 * with keep-alive longer than the SDKs' idle sockets, and a port that is taken reported as such.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The port asked for is held by another process. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; stop whatever holds it or choose another port`);
    this.name = 'PortInUseError';
  }
}

/** Listens on 127.0.0.1:`port` (0 picks a free one); resolves with the server and the port it bound. */
export const listenOnLoopback = async (
  port: number,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; port: number }> => {
  const server = createServer(handle);
  // Longer than the AWS SDK's and Node's idle sockets, so a client never reuses a socket we are closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
};

/** Closes a server at once, dropping idle and in-flight keep-alive connections. */
export const closeNow = async (server: Server | undefined): Promise<void> => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
};
