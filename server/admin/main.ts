import { runAdmin } from './cli.js';

process.exitCode = await runAdmin(process.argv.slice(2), process.env, (line) => {
  console.log(line);
});
