// Numbers, times and dates for one locale, through Intl so each language gets its own forms.
export interface Fmt {
  locale: string
  number(n: number): string
  time(ts: number): string
  dateTime(ts: number): string
  /** A day heading: "Today", "Yesterday" or the date itself. */
  day(ts: number, now: number): string
  /** A time today, else a short date: for lists where space is tight. */
  when(ts: number, now: number): string
  /** Remaining time as m:ss. */
  countdown(ms: number): string
  /** How long ago: "now", "5 minutes ago", "yesterday", else the date and time. */
  ago(ts: number, now: number): string
  /** A size: "980 bytes", "1.4 MB" (units of 1,024, as file managers on Windows count). */
  bytes(n: number): string
  /** A transfer rate: "3.2 MB/s". */
  rate(bytesPerSecond: number): string
  /** A short duration: "45 s", "3 min", "2 h". */
  duration(seconds: number): string
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const

const DAY_MS = 86_400_000

/** Calendar day number in local time; day separators and "today" compare these. */
export function localDay(ts: number): number {
  const d = new Date(ts)
  return Math.floor(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY_MS)
}

export function makeFmt(locale: string): Fmt {
  const numbers = new Intl.NumberFormat(locale)
  const times = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' })
  const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
  const dates = new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  })
  const shortDates = new Intl.DateTimeFormat(locale, { dateStyle: 'short' })
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const capitalise = (s: string) => s.charAt(0).toLocaleUpperCase(locale) + s.slice(1)
  const sizeFormats = new Map<string, Intl.NumberFormat>()
  const unitFormat = (unit: string, digits: number) => {
    const key = `${unit} ${digits}`
    let format = sizeFormats.get(key)
    if (format === undefined) {
      format = new Intl.NumberFormat(locale, {
        style: 'unit',
        unit,
        unitDisplay: unit === 'byte' ? 'long' : 'short',
        maximumFractionDigits: digits,
      })
      sizeFormats.set(key, format)
    }
    return format
  }
  const scaled = (n: number): [number, (typeof UNITS)[number]] => {
    let value = Math.max(0, n)
    let i = 0
    while (value >= 1024 && i < UNITS.length - 1) {
      value /= 1024
      i++
    }
    return [value, UNITS[i] ?? 'byte']
  }
  return {
    locale,
    number: (n) => numbers.format(n),
    time: (ts) => times.format(ts),
    dateTime: (ts) => dateTimes.format(ts),
    day(ts, now) {
      const diff = localDay(ts) - localDay(now)
      if (diff === 0 || diff === -1) return capitalise(relative.format(diff, 'day'))
      return dates.format(ts)
    },
    when: (ts, now) => (localDay(ts) === localDay(now) ? times.format(ts) : shortDates.format(ts)),
    ago(ts, now) {
      const seconds = Math.round((ts - now) / 1000)
      const past = Math.abs(seconds)
      if (past < 60) return relative.format(0, 'second')
      if (past < 3600) return relative.format(Math.round(seconds / 60), 'minute')
      if (past < 86_400) return relative.format(Math.round(seconds / 3600), 'hour')
      if (past < 7 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day')
      return dateTimes.format(ts)
    },
    countdown(ms) {
      const total = Math.max(0, Math.floor(ms / 1000))
      const minutes = Math.floor(total / 60)
      const seconds = total % 60
      return `${numbers.format(minutes)}:${String(seconds).padStart(2, '0')}`
    },
    bytes(n) {
      const [value, unit] = scaled(n)
      return unitFormat(unit, unit === 'byte' || value >= 100 ? 0 : 1).format(value)
    },
    rate(bytesPerSecond) {
      const [value, unit] = scaled(bytesPerSecond)
      return unitFormat(`${unit}-per-second`, value >= 100 ? 0 : 1).format(value)
    },
    duration(seconds) {
      const s = Math.max(0, Math.round(seconds))
      if (s < 60) return unitFormat('second', 0).format(s)
      if (s < 3600) return unitFormat('minute', 0).format(Math.round(s / 60))
      return unitFormat('hour', 1).format(s / 3600)
    },
  }
}
