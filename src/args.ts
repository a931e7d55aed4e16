// Flag parsing shared by the sub-commands: a usage error or --help is printed here and becomes
// an exit code (2 or 0), so each command reads as "parse, then do".
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export function commandArgs<const O extends Options>(argv: string[], options: O, usage: string, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, ...HELP }, strict: true, allowPositionals });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage);
      return { exit: 0 } as const;
    }
    return { exit: undefined, values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${usage}`);
    return { exit: 2 } as const;
  }
}
