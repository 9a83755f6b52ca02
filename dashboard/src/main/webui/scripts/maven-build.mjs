// Called by the dashboard's Maven build (exec-maven-plugin, generate-resources): `npm ci` only when node_modules
// is missing or package-lock.json changed since the last install (a hash stamp in node_modules), then
// `npm run build` into WEBUI_OUT_DIR (target/classes/META-INF/resources, served by Quarkus).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}node_modules/.package-lock.sha256`;
const lockHash = createHash('sha256').update(readFileSync(`${root}package-lock.json`)).digest('hex');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (...args) => execFileSync(npm, args, { cwd: root, stdio: 'inherit', env: process.env });

if (!existsSync(`${root}node_modules`) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  run('ci', '--no-audit', '--no-fund');
  writeFileSync(stamp, lockHash);
}
run('run', 'build');
