#!/usr/bin/env node
// The `pipeline` command of the package (package.json "bin"): the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
runCli();
