import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings that take effect only at launch, so `npm start` passes them (`node <flags>
 * dist/switchyard.mjs serve`; a test keeps package.json in step) and the benchmark starts the gateway
 * with them. A 4 MiB semispace instead of V8's 16 MiB: V8 grows both semispaces to their maximum under
 * sustained load, and the smaller young generation ended benchmark runs about 20 MB lower in RSS
 * (137-141 against 158-161 MB) with CPU per request and saturation within the run-to-run spread
 * (docs/architecture.md, "Memory"). Operators starting `dist/switchyard.mjs` some other way pass them
 * too, or choose their own size.
 */
export const SERVE_LAUNCH_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

export interface V8TuningEnvironment {
  /** CPUs the process may run on. */
  cpus: number;
  /** The flags the process was started with (`process.execArgv` and `NODE_OPTIONS`). */
  launchFlags: readonly string[];
}

/** A flag the operator set at launch wins over the gateway's choice, in either polarity. */
function setAtLaunch(flag: string, launchFlags: readonly string[]): boolean {
  const bare = flag.replace(/^--(no-)?/, '');
  return launchFlags.some((given) => {
    const name = given
      .replace(/^--(no-)?/, '')
      .split('=')[0]
      ?.replaceAll('_', '-');
    return name === bare;
  });
}

/**
 * The V8 settings `serve` applies to itself; they take effect at run time, so the gateway needs no
 * launch flags. Measured under the benchmark's load (docs/architecture.md, "Performance"):
 * - heap growth capped at 25 % over the live heap: RSS about 180 MB instead of 260 MB;
 * - on two CPUs or fewer, single-threaded young-generation collections: the helper threads a
 *   parallel scavenge waits for compete with the event loop for the same cores (in A/B probes the
 *   process used less CPU per request without them in 13 of 14 pairs, a median 5 % less). With more
 *   cores, parallel scavenging shortens pauses.
 */
export function servingV8Flags(environment: V8TuningEnvironment): string[] {
  const wanted = ['--heap-growing-percent=25'];
  if (environment.cpus <= 2) wanted.push('--no-parallel-scavenge');
  return wanted.filter((flag) => !setAtLaunch(flag.split('=')[0] ?? flag, environment.launchFlags));
}

/**
 * The launch flags (`SERVE_LAUNCH_FLAGS`) this process was started without, so `serve` can say so: an
 * operator running `node dist/switchyard.mjs serve` under a process manager would otherwise never learn
 * that the young generation is V8's default size.
 */
export function missingLaunchFlags(launchFlags: readonly string[]): string[] {
  return SERVE_LAUNCH_FLAGS.filter((flag) => !setAtLaunch(flag.split('=')[0] ?? flag, launchFlags));
}

/** The flags the process was started with (`process.execArgv` and `NODE_OPTIONS`). */
export function processLaunchFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** Applies `servingV8Flags` to this process and returns what it applied. */
export function tuneV8ForServing(
  environment: V8TuningEnvironment = {
    cpus: availableParallelism(),
    launchFlags: processLaunchFlags(),
  },
): string[] {
  const flags = servingV8Flags(environment);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
