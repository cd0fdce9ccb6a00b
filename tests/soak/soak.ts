/**
 * `npm run soak`: the soak run for 60 s with 300 clients and a hostile mix of 10 attackers,
 * printing a summary; exits 1 when a check failed (an unexpected error, a delivery violation, or
 * something left on the server).
 */
import { runSoak, summarize } from "./soak-run.js";

const report = await runSoak({ durationMs: 60_000, clients: 300, hostile: 10 });
console.log(summarize(report));
const clean = report.unexpectedErrors.length === 0 && report.violations.length === 0 && report.end.streams === 0 && report.end.members === 0 && report.end.connections === 0;
process.exitCode = clean ? 0 : 1;
