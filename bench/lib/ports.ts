// Free loopback TCP ports, for peers that must know each other's address before they start.
import net from 'node:net'

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = net.createServer()
      return new Promise<net.Server>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(server)),
      )
    }),
  )
  const ports = servers.map((s) => {
    const address = s.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP port')
    return address.port
  })
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  return ports
}
