import { afterEach, describe, expect, it } from 'vitest';
import { closeNow, listenOnLoopback, PortInUseError } from '#lib/local/core/http-server';

describe('the local HTTP servers', () => {
  const open: Awaited<ReturnType<typeof listenOnLoopback>>['server'][] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => closeNow(server)));
  });

  it('binds 127.0.0.1 only, on a free port when asked for port 0', async () => {
    const { server, port } = await listenOnLoopback(0, (_request, response) => response.end('ok'));
    open.push(server);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });

  it('reports a port held by another server as PortInUseError naming the port', async () => {
    const { server, port } = await listenOnLoopback(0, (_request, response) => response.end());
    open.push(server);
    const second = listenOnLoopback(port, (_request, response) => response.end());
    await expect(second).rejects.toBeInstanceOf(PortInUseError);
    await expect(second).rejects.toThrow(`port ${port} is in use`);
  });

  // Without dropping the idle keep-alive socket, close() would wait out the 65 s keep-alive and this test would
  // exceed its timeout.
  it('closes without waiting for an idle keep-alive connection', async () => {
    const { server, port } = await listenOnLoopback(0, (_request, response) => response.end('ok'));
    await fetch(`http://127.0.0.1:${port}/`).then((response) => response.text());
    await closeNow(server);
    expect(server.listening).toBe(false);
  });
});
