import { createServer, type Server } from 'node:net';

export interface BlackHoleConnection {
  openedAt: number;
  /** When the client closed it; undefined while it is open. */
  closedAt?: number;
}

export interface BlackHole {
  endpoint: string;
  /** Every connection it took, in order. */
  connections: BlackHoleConnection[];
  /** How many connections the client has not closed yet. */
  open(): number;
  close(): Promise<void>;
}

/** A loopback endpoint that takes every connection and never answers: AWS hanging. */
export async function blackHole(): Promise<BlackHole> {
  const connections: BlackHoleConnection[] = [];
  const server: Server = createServer((socket) => {
    const connection: BlackHoleConnection = { openedAt: Date.now() };
    connections.push(connection);
    socket.on('close', () => (connection.closedAt = Date.now()));
    socket.on('error', () => socket.destroy());
    socket.resume(); // reads (and drops) the request, so it sees the client close
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections,
    open: () => connections.filter((c) => c.closedAt === undefined).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
