// Runs every bench script, one after the other, each in its own process (so one bench's
// garbage and JIT state do not colour the next), and lets each write its own section of
// bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['parser-bench', 'options-bench', 'registrar-bench', 'register-bench', 'esl-bench', 'rtp-codecs-bench', 'rtp-relay-bench', 'gateway-bench', 'call-bench', 'transfer-bench'];
const only = process.argv.slice(2);
let failed = 0;
for (const name of BENCHES) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name}`);
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', timeout: 15 * 60 * 1000 });
  if (r.status !== 0) {
    console.error(`${name} failed (${r.status ?? r.signal})`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
