// Unpacks the shipped PGlite template (`node pglite-template-unpack.mjs <file.tar.gz> <folder>`) in a
// process of its own: inflating it leaves about 50 MB of malloc behind in the process that does it,
// which in Hearth's would stay resident for good.
import { x as extract } from 'tar';

const [file, cwd] = process.argv.slice(2);
if (!file || !cwd) {
  console.error('usage: pglite-template-unpack.mjs <file.tar.gz> <folder>');
  process.exit(2);
}
await extract({ file, cwd });
