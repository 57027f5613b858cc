// Builds the console into dist/ (or the folder given as the first argument): one bundled script and
// one stylesheet with content-hashed names (served immutable), and index.html (served no-cache)
// naming them. No inline script or style, so the daemon's CSP can forbid both.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src/main.js'), join(here, 'src/style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  entryNames: '[name]-[hash]',
  outdir: out,
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
const template = readFileSync(join(here, 'src/index.html'), 'utf8');
writeFileSync(join(out, 'index.html'), template.replace('{{script}}', script).replace('{{style}}', style));
console.log(`console built into ${out}: ${script}, ${style}`);
