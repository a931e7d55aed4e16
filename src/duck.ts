// One embedded DuckDB per stage run: no network, no extension downloads, values bound as
// parameters. SQL lives in .sql files beside the stage and is read through `file()`, so the
// same text that is hashed into the cache key is the text that runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export type Params = Record<string, DuckDBValue>;

export interface DuckOptions {
  /** Worker threads. Use 1 where DOUBLE aggregates feed an output: sums over threads are not bit-stable. */
  threads?: number;
  memoryLimit?: string;
  tempDirectory?: string;
  /**
   * Where the stage's tables live. 'memory' (the default): uncompressed in RAM, spilled to
   * tempDirectory beyond memoryLimit. 'disk': a database file in tempDirectory, so tables are
   * stored compressed and paged in by the buffer manager; a stage that builds large intermediate
   * tables needs a fraction of the memory (and spills less). Without a tempDirectory, memory.
   */
  storage?: 'memory' | 'disk';
  /**
   * Memory DuckDB's buffer blocks are carved from and never handed back to the operating system
   * while the database is open (DuckDB's block_allocator_memory). Without it, blocks are freed and
   * allocated again many times in a large query, and on a virtual machine each first touch of a
   * fresh page is costly (about 4 ms per MB measured here): a query over gigabytes spent a fifth
   * of its time in the kernel. Pages are still only touched as they are used.
   */
  blockAllocatorMemory?: string;
}

export class Duck {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly con: DuckDBConnection,
  ) {}

  static async open(options: DuckOptions = {}): Promise<Duck> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      threads: String(options.threads ?? 2),
    };
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.blockAllocatorMemory) config.block_allocator_memory = options.blockAllocatorMemory;
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const path = options.storage === 'disk' && options.tempDirectory ? join(options.tempDirectory, 'stage.duckdb') : ':memory:';
    const instance = await DuckDBInstance.create(path, config);
    const con = await instance.connect();
    return new Duck(instance, con);
  }

  /** Run one or more statements. With params, a single statement with $name placeholders. */
  async run(sql: string, params?: Params): Promise<void> {
    if (params && Object.keys(params).length) await this.con.run(sql, params);
    else await this.con.run(sql);
  }

  /** Rows as plain objects; BIGINT comes back as bigint, so use `::INTEGER` or `::DOUBLE` casts where numbers are wanted. */
  async all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = params && Object.keys(params).length ? await this.con.runAndReadAll(sql, params) : await this.con.runAndReadAll(sql);
    return reader.getRowObjects() as T[];
  }

  /** Rows as JSON-safe objects (BIGINT and DECIMAL as strings, dates as ISO strings). */
  async json<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = params && Object.keys(params).length ? await this.con.runAndReadAll(sql, params) : await this.con.runAndReadAll(sql);
    return reader.getRowObjectsJson() as T[];
  }

  async one<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * Run a .sql file of several statements separated by `;` at line ends. Each statement gets
   * only the params it mentions, because DuckDB refuses unused bindings.
   */
  async file(path: string, params: Params = {}): Promise<void> {
    const text = await readFile(path, 'utf8');
    for (const statement of splitStatements(text)) {
      const used: Params = {};
      for (const name of Object.keys(params)) if (new RegExp(`\\$${name}\\b`).test(statement)) used[name] = params[name]!;
      try {
        await this.run(statement, used);
      } catch (error) {
        throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  async version(): Promise<string> {
    const row = await this.one<{ v: string }>('SELECT version() AS v');
    return row!.v;
  }

  close(): void {
    this.con.closeSync();
    this.instance.closeSync();
  }
}

/** Split SQL text into statements at `;` outside quotes and comments. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === c && text[j + 1] === c) j += 2;
        else if (text[j] === c) break;
        else j++;
      }
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += c;
    i++;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
