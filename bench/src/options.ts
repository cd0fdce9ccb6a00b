/**
 * The command line, and each scenario's parameters in full and in quick mode (quick only proves
 * the bench works: its figures are too short to judge speed by).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { TARGET_NAMES, type TargetName } from "./targets.js";

/** The scenarios, by the letter the issue gives them (e: issue 16's reactions). */
export type ScenarioName = "a" | "b" | "c" | "d" | "e";

/** All scenarios, in order. */
export const SCENARIO_NAMES: readonly ScenarioName[] = ["a", "b", "c", "d", "e"];

/** Scenario a: rooms of members each sending at a steady rate. */
export interface SteadyParams {
  rooms: number;
  members: number;
  ratePerMember: number;
  /** Sending before the measurement, unmeasured, so that start-up (JIT, first allocations) is not in the figures. */
  warmupMs: number;
  durationMs: number;
  /** Longest wait after the last send for the deliveries still in flight. */
  drainMs: number;
}

/** Scenario e: scenario a's load with reactions among the sends. */
export interface ReactionsParams extends SteadyParams {
  /** Every this many sends of each member, one is a reaction instead of a message. */
  reactEvery: number;
}

/** Scenario b: one room, the send rate stepped up until it no longer keeps up. */
export interface SaturationParams {
  members: number;
  /** Messages a second per member, one step each, in increasing order. */
  ratesPerMember: number[];
  stepMs: number;
  drainMs: number;
  /** A step is sustained when at least this share of the deliveries arrived… */
  minDeliveryRatio: number;
  /** …and p99 latency stayed at or under this. */
  maxP99Ms: number;
}

/** Scenario c: idle subscribed connections. */
export interface MemoryParams {
  connections: number;
  rooms: number;
  /** Pause after the last client is live before reading RSS, so transient garbage settles. */
  settleMs: number;
}

/** Scenario d: clients connecting, joining and subscribing all at once. */
export interface JoinStormParams {
  clients: number;
  rooms: number;
  /** Clients setting up at the same time (beyond it they queue, as a listen backlog would). */
  concurrency: number;
  /** A client not live within this counts as failed, and the storm gets no time. */
  liveTimeoutMs: number;
}

/** Everything one invocation runs. */
export interface BenchOptions {
  /** @default false */
  quick: boolean;
  /** @default 3, or 1 with `quick` */
  runs: number;
  /** @default all */
  scenarios: ScenarioName[];
  /** @default all */
  targets: TargetName[];
  /** Load worker processes. @default 1 */
  workers: number;
  /** Run our server with `--cpu-prof`, profiles written to this directory. */
  profileDir: string | null;
  /** Where to write the chart (besides the results directory). */
  chartPath: string | null;
  steady: SteadyParams;
  saturation: SaturationParams;
  memory: MemoryParams;
  joinStorm: JoinStormParams;
  reactions: ReactionsParams;
}

const USAGE = `usage: npm run bench -- [--quick] [--runs N] [--scenarios a,b,c,d,e] [--targets ours,raw-ws,socketio]
                      [--workers N] [--profile DIR] [--chart PATH]`;

function listOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(",").map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(", ")})\n${USAGE}`);
  }
  return items as T[];
}

function count(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${what} must be a whole number above 0\n${USAGE}`);
  return number;
}

/** Parses `argv` (without node and the script). */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      scenarios: { type: "string" },
      targets: { type: "string" },
      workers: { type: "string" },
      profile: { type: "string" },
      chart: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const quick = values.quick;
  const steady: SteadyParams = { rooms: 10, members: 50, ratePerMember: 1, warmupMs: quick ? 1000 : 3000, durationMs: quick ? 3000 : 20_000, drainMs: quick ? 1500 : 3000 };
  return {
    quick,
    runs: count(values.runs, quick ? 1 : 3, "runs"),
    scenarios: listOf(values.scenarios, SCENARIO_NAMES, "scenario"),
    targets: listOf(values.targets, TARGET_NAMES, "target"),
    // One worker: with 2 cores, the server gets one and the load the other; more workers would
    // only take CPU from the server under test.
    workers: count(values.workers, 1, "workers"),
    // Relative to where `npm run` was typed (npm sets INIT_CWD), not to bench/ where the script runs.
    profileDir: values.profile === undefined ? null : resolve(process.env.INIT_CWD ?? process.cwd(), values.profile),
    chartPath: values.chart === undefined ? null : resolve(process.env.INIT_CWD ?? process.cwd(), values.chart),
    steady,
    saturation: {
      members: 100,
            // From well below what a naive server holds (1/s per member is 10,000 deliveries/s) to
      // past what the issue expects anyone to need (~25/s per member).
      ratesPerMember: quick ? [1, 4, 16] : [0.5, 1, 2, 3, 4, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50],
      stepMs: quick ? 1500 : 5000,
      drainMs: quick ? 1000 : 2000,
      minDeliveryRatio: 0.99,
      maxP99Ms: 250,
    },
    memory: { connections: quick ? 1000 : 5000, rooms: 50, settleMs: quick ? 1000 : 3000 },
    // Rooms of 100, as in scenario c: each join is announced to up to 99 members already there.
    joinStorm: { clients: quick ? 200 : 1000, rooms: 10, concurrency: 250, liveTimeoutMs: 180_000 },
    // The same events a second as a, so that e's figures read beside a's: a tenth are reactions.
    reactions: { ...steady, reactEvery: 10 },
  };
}
