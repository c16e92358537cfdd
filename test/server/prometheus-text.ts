/**
 * Reads Prometheus's text exposition format, enough for tests to check
 * values: `# HELP`/`# TYPE` lines are skipped, each sample becomes a name,
 * its labels and its value.
 *
 * @module
 */

/** One sample line. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of an exposition, with a lookup by name and exact labels. */
export interface Exposition {
  samples: Sample[]
  /** The value of the sample with exactly these labels, or `undefined`. */
  value(name: string, labels?: Record<string, string>): number | undefined
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses `text`; throws on a line that is not a comment, a sample or blank. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (match === null) throw new Error(`Not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, name, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name!] = raw!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
    }
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3])
    samples.push({ name: match[1]!, labels, value })
  }
  return {
    samples,
    value(name, labels = {}) {
      const wanted = Object.entries(labels)
      return samples.find(
        (sample) =>
          sample.name === name &&
          Object.keys(sample.labels).length === wanted.length &&
          wanted.every(([key, value]) => sample.labels[key] === value),
      )?.value
    },
  }
}
