// 10. Shelf transfer over a simulated gigabit LAN: two hosts in network namespaces, each host's
// link shaped to 1 Gbit/s with `tc qdisc … tbf` (netem is missing on this kernel). The same 1 GiB
// file moves h1 → h2 through Hearth (offering what the desktop app offers, and Noise alone), and,
// on the same link in the same run, through iperf3 (the floor), scp and Syncthing (two instances
// configured by the benchmark through their config and REST API). Needs root; the tools come
// from Debian's packages (installed with apt-get when missing), else the rows are skipped.
import { spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { cleanupStale, createLan, lanAvailable, type Lan } from '../test/helpers/netns.ts'
import { exited } from '../test/helpers/spawner.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { ensureTools } from './lib/debian-tools.ts'
import { offerOf, type OfferName } from './lib/encrypters.ts'
import { quantityRow, timeRow, type Row } from './lib/report.ts'
import { mbPerSecond, sha256File } from './lib/shelf-transfer.ts'
import { bestFetch, bigFile, bigFileSize, sizeLabel, transferRows } from './shelf.ts'
import { scaled } from './lib/scale.ts'

const RATE = '1gbit'
const TOOLS = {
  iperf3: 'iperf3',
  sshd: 'openssh-server',
  scp: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  syncthing: 'syncthing',
  curl: 'curl',
}
/**
 * What the desktop app offers: createNode's list (shared/peer/node.ts), TLS 1.3 first, with Noise
 * second as Electron runs it (WASM ChaCha20-Poly1305; bench/RESULTS.md, 6). Two apps agree on
 * TLS, as do two `hearth serve`s, so the second run is a peer that offers Noise alone (Node's
 * native cipher), for comparison.
 */
const DESKTOP_OFFER: OfferName = 'desktop'
const NOISE_ONLY: OfferName = 'noise'

interface Tool {
  proc: ChildProcess
  stop(): Promise<void>
}

export const shelfLan: Benchmark = {
  name: 'shelf-lan',
  about: '1 GiB over a 1 Gbit/s (tbf) namespace link: Hearth vs iperf3, scp, Syncthing (root)',
  async run(ctx) {
    const available = lanAvailable()
    if (!available.ok) {
      ctx.log(`shelf-lan: SKIPPED (${available.reason})`)
      return []
    }
    const missing = ensureTools(TOOLS, ctx.log)
    if (missing !== null) {
      ctx.log(`shelf-lan: SKIPPED (${missing})`)
      return []
    }
    const size = bigFileSize(ctx)
    const file = bigFile(ctx, size)
    await cleanupStale()
    const lan = await createLan({ hosts: 2, prefix: '10.231.78' })
    try {
      for (const host of lan.hosts) {
        const shaped = await lan.exec(host, 'tc', [
          'qdisc',
          'add',
          'dev',
          'eth0',
          'root',
          'tbf',
          'rate',
          RATE,
          'burst',
          '256kb',
          'latency',
          '10ms',
        ])
        if (shaped.code !== 0) throw new Error(`tc on ${host.name}: ${shaped.stderr}`)
      }
      return await measure(ctx, lan, file)
    } finally {
      await lan.destroy()
    }
  },
}

async function measure(
  ctx: BenchContext,
  lan: Lan,
  file: { path: string; size: number; sha256: string },
): Promise<Row[]> {
  const [h1, h2] = lan.hosts as [Lan['hosts'][number], Lan['hosts'][number]]
  const label = `${sizeLabel(file.size)} at ${RATE}`
  // Every figure is the best of a few runs: the machine is shared, and the fastest run is the
  // one least disturbed by others.
  const reps = scaled(ctx.scale, 2, 2)
  const best = async (run: () => Promise<number>, max = false) => {
    const runs: number[] = []
    for (let i = 0; i < reps; i++) runs.push(await run())
    return max ? Math.max(...runs) : Math.min(...runs)
  }
  ctx.log(`shelf-lan: iperf3, ${label}, best of ${reps}`)
  const iperf = await best(() => iperf3MBps(lan, h2.ip, file.size), true)
  ctx.log(`shelf-lan: iperf3 ${iperf.toFixed(1)} MB/s; scp`)
  const scpMs = await best(() => scp(ctx, lan, file))
  ctx.log(`shelf-lan: scp ${(scpMs / 1000).toFixed(1)} s; Syncthing`)
  const syncthing = await best(() => syncthingMs(ctx, lan, file))
  ctx.log(`shelf-lan: Syncthing ${(syncthing / 1000).toFixed(1)} s`)

  const rows: Row[] = []
  const floor = { mbps: iperf, what: `iperf3, same link` }
  for (const [encrypter, who] of [
    [DESKTOP_OFFER, 'desktop app'],
    [NOISE_ONLY, 'Noise only'],
  ] as const) {
    ctx.log(`shelf-lan: Hearth, ${offerOf(encrypter).label}`)
    const fetch = await bestFetch(
      ctx,
      {
        encrypter,
        listen: [`/ip4/${h1.ip}/tcp/0`, `/ip4/${h2.ip}/tcp/0`],
        spawners: [lan.spawner(h1), lan.spawner(h2)],
      },
      file,
      reps,
    )
    ctx.log(
      `shelf-lan: ${who}: ${(fetch.ms / 1000).toFixed(1)} s (CPU: sender ${(fetch.senderCpuMs / 1000).toFixed(1)} s, receiver ${(fetch.receiverCpuMs / 1000).toFixed(1)} s)`,
    )
    rows.push(
      ...transferRows('shelf-lan', `${label}, ${who}`, file.size, fetch, floor, {
        text: '≥ 85% of iperf3',
        ratio: 0.85,
      }),
      quantityRow(
        'shelf-lan',
        `${label}, ${who}: vs scp`,
        { value: mbPerSecond(file.size, fetch.ms), unit: 'MB/s' },
        { value: mbPerSecond(file.size, scpMs), unit: 'MB/s', what: 'scp, same link' },
        { higherIsBetter: true },
      ),
      timeRow('shelf-lan', `${label}, ${who}: time`, fetch.ms, syncthing, 'Syncthing, same link', {
        text: 'faster than Syncthing',
        met: (ratio) => ratio < 1,
      }),
    )
  }
  return rows
}

/** Spawns `command` in `host` and resolves once a line of its output matches `ready`. */
async function startTool(
  lan: Lan,
  host: string,
  command: string,
  args: string[],
  ready: RegExp,
  env?: NodeJS.ProcessEnv,
): Promise<Tool> {
  const proc = lan.spawn(host, command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env && { env }),
  })
  let output = ''
  const seen = new Promise<void>((resolve, reject) => {
    const look = (s: string) => {
      output = (output + s).slice(-8192)
      if (ready.test(output)) resolve()
    }
    proc.stdout?.setEncoding('utf8').on('data', look)
    proc.stderr?.setEncoding('utf8').on('data', look)
    proc.once('exit', (code) => reject(new Error(`${command} exited (${code}): ${output}`)))
  })
  await within(seen, 60_000, `${command} starting on ${host}`)
  return {
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      await within(exited(proc), 30_000, `${command} exiting`)
    },
  }
}

async function iperf3MBps(lan: Lan, serverIp: string, bytes: number): Promise<number> {
  const server = await startTool(
    lan,
    'h2',
    'iperf3',
    ['-s', '-1', '--forceflush', '-B', serverIp, '-p', '5201'],
    /Server listening/,
  )
  try {
    const run = await lan.exec(
      'h1',
      'iperf3',
      ['-c', serverIp, '-p', '5201', '-n', String(bytes), '-J'],
      { timeoutMs: 600_000 },
    )
    if (run.code !== 0) throw new Error(`iperf3: ${run.stderr || run.stdout}`)
    const report = JSON.parse(run.stdout) as {
      end: { sum_received: { bits_per_second: number } }
    }
    return report.end.sum_received.bits_per_second / 8 / 1e6
  } finally {
    await server.stop().catch(() => undefined) // -1: it exits by itself after one test
  }
}

/** Milliseconds for `scp` to copy the file from h1 to an sshd on h2 (handshake included). */
async function scp(
  ctx: BenchContext,
  lan: Lan,
  file: { path: string; size: number; sha256: string },
): Promise<number> {
  const dir = ctx.tempDir('sshd')
  for (const key of ['host_key', 'client_key']) {
    const made = spawnSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      path.join(dir, key),
    ])
    if (made.status !== 0) throw new Error(`ssh-keygen: ${made.stderr}`)
  }
  fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'))
  const serverIp = lan.host('h2').ip
  const config = path.join(dir, 'sshd_config')
  fs.writeFileSync(
    config,
    [
      'Port 2222',
      `ListenAddress ${serverIp}`,
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  )
  // sshd's privilege separation needs this folder, which the package creates only at boot.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const sshd = await startTool(
    lan,
    'h2',
    '/usr/sbin/sshd',
    ['-D', '-e', '-f', config],
    /Server listening/,
  )
  const dest = path.join(ctx.tempDir('scp-dest'), 'copy.bin')
  try {
    const start = performance.now()
    const run = await lan.exec(
      'h1',
      'scp',
      [
        '-q',
        '-i',
        path.join(dir, 'client_key'),
        '-P',
        '2222',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        file.path,
        `root@${serverIp}:${dest}`,
      ],
      { timeoutMs: 600_000 },
    )
    const ms = performance.now() - start
    if (run.code !== 0) throw new Error(`scp: ${run.stderr}`)
    if (fs.statSync(dest).size !== file.size) throw new Error('scp copied the wrong size')
    return ms
  } finally {
    fs.rmSync(dest, { force: true })
    await sshd.stop()
  }
}

const ST_FOLDER = 'hearth-bench'
const ST_PORT = 22000

function syncthingConfig(opts: {
  self: string
  other: string
  selfIp: string
  otherIp: string
  folder: string
  apiKey: string
  paused: boolean
}): string {
  return `<configuration version="36">
    <folder id="${ST_FOLDER}" label="bench" path="${opts.folder}" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="false">
        <device id="${opts.self}"></device>
        <device id="${opts.other}"></device>
        <paused>${opts.paused}</paused>
    </folder>
    <device id="${opts.self}" name="self" compression="never"><address>dynamic</address></device>
    <device id="${opts.other}" name="other" compression="never"><address>tcp://${opts.otherIp}:${ST_PORT}</address></device>
    <gui enabled="true" tls="false"><address>127.0.0.1:8384</address><apikey>${opts.apiKey}</apikey></gui>
    <options>
        <listenAddress>tcp://${opts.selfIp}:${ST_PORT}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <urAccepted>-1</urAccepted>
        <crashReportingEnabled>false</crashReportingEnabled>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <startBrowser>false</startBrowser>
    </options>
</configuration>
`
}

/**
 * Milliseconds for Syncthing to bring the file from h1 to h2. Both run with the file already
 * scanned on h1 and the folder paused on h2; the timer starts when h2's folder is unpaused
 * (REST PATCH) and stops when the file stands complete in h2's folder.
 */
async function syncthingMs(
  ctx: BenchContext,
  lan: Lan,
  file: { path: string; size: number; sha256: string },
): Promise<number> {
  const hosts = ['h1', 'h2'] as const
  const homes = hosts.map((h) => ctx.tempDir(`syncthing-${h}`))
  const folders = hosts.map((h) => ctx.tempDir(`syncthing-folder-${h}`))
  const apiKey = randomBytes(16).toString('hex')
  const ids = homes.map((home) => {
    const made = spawnSync(
      'syncthing',
      ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
      { encoding: 'utf8' },
    )
    const id = /Device ID: (\S+)/.exec(made.stdout + made.stderr)?.[1]
    if (made.status !== 0 || id === undefined) throw new Error(`syncthing generate: ${made.stderr}`)
    return id
  })
  for (const [i, host] of hosts.entries()) {
    const other = 1 - i
    fs.mkdirSync(path.join(folders[i] as string, '.stfolder'))
    fs.writeFileSync(
      path.join(homes[i] as string, 'config.xml'),
      syncthingConfig({
        self: ids[i] as string,
        other: ids[other] as string,
        selfIp: lan.host(host).ip,
        otherIp: lan.host(hosts[other] as string).ip,
        folder: folders[i] as string,
        apiKey,
        paused: host === 'h2',
      }),
    )
  }
  // A hard link: the sender's folder holds the very file the others send, with no copy made.
  const received = path.join(folders[1] as string, 'big.bin')
  fs.linkSync(file.path, path.join(folders[0] as string, 'big.bin'))

  const rest = async (host: string, method: string, url: string, body?: object) => {
    const args = ['-sS', '-f', '-X', method, '-H', `X-API-Key: ${apiKey}`]
    if (body) args.push('-H', 'Content-Type: application/json', '-d', JSON.stringify(body))
    const run = await lan.exec(host, 'curl', [...args, `http://127.0.0.1:8384${url}`])
    if (run.code !== 0) return null // not up yet
    return run.stdout === '' ? {} : (JSON.parse(run.stdout) as Record<string, unknown>)
  }
  const poll = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 300_000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Syncthing: timed out waiting until ${what}`)
      await delay(100)
    }
  }
  const instances: Tool[] = []
  try {
    for (const [i, host] of hosts.entries()) {
      instances.push(
        await startTool(
          lan,
          host,
          'syncthing',
          [
            'serve',
            `--home=${homes[i] as string}`,
            '--no-browser',
            '--no-restart',
            '--no-upgrade',
            '--logflags=0',
          ],
          /GUI and API listening|Access the GUI/,
          { ...process.env, HOME: homes[i] as string, STNODEFAULTFOLDER: '1' },
        ),
      )
    }
    await poll('h1 has scanned the file', async () => {
      const status = await rest('h1', 'GET', `/rest/db/status?folder=${ST_FOLDER}`)
      return status?.state === 'idle' && status.localBytes === file.size
    })
    await poll('h2 is connected to h1', async () => {
      const all = (await rest('h2', 'GET', '/rest/system/connections')) as {
        connections?: Record<string, { connected: boolean }>
      } | null
      return all?.connections?.[ids[0] as string]?.connected === true
    })
    const start = performance.now()
    if (
      (await rest('h2', 'PATCH', `/rest/config/folders/${ST_FOLDER}`, { paused: false })) === null
    ) {
      throw new Error('Syncthing: could not unpause the folder on h2')
    }
    for (;;) {
      const size = fs.statSync(received, { throwIfNoEntry: false })?.size
      if (size === file.size) break
      if (performance.now() - start > 900_000) throw new Error('Syncthing: the file never arrived')
      await delay(20)
    }
    const ms = performance.now() - start
    if (sha256File(received) !== file.sha256) throw new Error('Syncthing delivered other bytes')
    return ms
  } finally {
    await Promise.allSettled(instances.map((s) => s.stop()))
    for (const dir of [...homes, ...folders]) fs.rmSync(dir, { recursive: true, force: true })
  }
}
