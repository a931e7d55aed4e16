// Embedded DuckDB: no network, no extension downloads, values bound as parameters. SQL lives in
// .sql files beside the stage and is read through `file()`, so the same text that is hashed into
// the cache key is the text that runs.
//
// A command opens its own database (`Duck.open`). A pipeline run borrows from a `DuckPool`: each
// stage gets a database of its own and a connection of its own, attached to an engine (a DuckDB
// instance) that the run keeps between stages. Tables, macros and the current database live in
// the stage's database and connection and go with them; the engine's memory stays. Reusing it
// matters on this kind of machine: first touching a page of fresh memory is about 70 times
// dearer than writing to it again, and a new engine per stage touched gigabytes afresh (the
// linkage stage after the register stage: 16.5 s on a new engine, 12.5 s on the kept one).
import { mkdirSync } from 'node:fs';
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

/** Engine settings fixed when a DuckDB instance is created (threads are set per borrower). */
function engineConfig(options: DuckOptions): Record<string, string> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: String(options.threads ?? 2),
  };
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.blockAllocatorMemory) config.block_allocator_memory = options.blockAllocatorMemory;
  if (options.tempDirectory) config.temp_directory = options.tempDirectory;
  return config;
}

/** The database file of a stage that keeps its tables on disk, or undefined for memory. */
function databaseFile(options: DuckOptions): string | undefined {
  return options.storage === 'disk' && options.tempDirectory ? join(options.tempDirectory, 'stage.duckdb') : undefined;
}

export class Duck {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly con: DuckDBConnection,
    private readonly onClose: () => void = () => instance.closeSync(),
  ) {}

  static async open(options: DuckOptions = {}): Promise<Duck> {
    const instance = await DuckDBInstance.create(databaseFile(options) ?? ':memory:', engineConfig(options));
    const con = await instance.connect();
    return new Duck(instance, con);
  }

  /** A borrowed database: the pool's engine, a fresh connection, `USE` of the stage's own database. */
  static borrowed(instance: DuckDBInstance, con: DuckDBConnection): Duck {
    return new Duck(instance, con, () => {});
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

  /** Close a database from `Duck.open`. A borrowed one goes back through `DuckPool.release`. */
  close(): void {
    this.con.closeSync();
    this.onClose();
  }
}

interface Engine {
  instance: DuckDBInstance;
  /** Engine settings that cannot change once it exists: only a borrower asking for the same gets it. */
  settings: string;
}

/**
 * DuckDB engines kept for the length of one pipeline run. `acquire` lends an idle engine with the
 * same memory settings (the one released last, which has the most memory already touched) or
 * starts one; the borrower gets its own database, attached in memory or as `stage.duckdb` in its
 * temp folder, and its own connection with its thread count. Two stages running at once never
 * share an engine. Spilled blocks go to the pool's temp directory, which the run removes.
 */
export class DuckPool {
  private idle: Engine[] = [];
  private lent = new Map<Duck, { engine: Engine; name: string }>();
  private count = 0;

  constructor(private readonly spillDirectory: string) {}

  async acquire(options: DuckOptions): Promise<Duck> {
    const settings = JSON.stringify([options.memoryLimit ?? null, options.blockAllocatorMemory ?? null]);
    const at = this.idle.findLastIndex((e) => e.settings === settings);
    let engine: Engine;
    if (at >= 0) engine = this.idle.splice(at, 1)[0]!;
    else {
      // Spilled blocks can hold personal data: owner-only, like every work folder.
      mkdirSync(this.spillDirectory, { recursive: true, mode: 0o700 });
      engine = { instance: await DuckDBInstance.create(':memory:', engineConfig({ ...options, tempDirectory: this.spillDirectory })), settings };
    }
    const name = `stage_${++this.count}`;
    const con = await engine.instance.connect();
    try {
      const file = databaseFile(options);
      // The name is ours and the path is the runner's own work folder, not data: nothing to bind.
      await con.run(`ATTACH '${file ? file.replaceAll("'", "''") : ':memory:'}' AS ${name}`);
      await con.run(`USE ${name}`);
      await con.run(`SET threads = ${Math.max(1, Math.trunc(options.threads ?? 2))}`);
    } catch (error) {
      con.closeSync();
      engine.instance.closeSync();
      throw error;
    }
    const db = Duck.borrowed(engine.instance, con);
    this.lent.set(db, { engine, name });
    return db;
  }

  /**
   * Give a database back. Its own database is detached (and so emptied) and its connection
   * closed; the engine is kept for the next stage only when `reusable` (the stage finished and
   * nothing of it can still be running), otherwise it is closed.
   */
  async release(db: Duck, reusable: boolean): Promise<void> {
    const loan = this.lent.get(db);
    if (!loan) throw new Error('DuckPool.release: not a database from this pool');
    this.lent.delete(db);
    let keep = reusable;
    if (keep) {
      try {
        await db.con.run(`USE memory`);
        await db.con.run(`DETACH ${loan.name}`);
      } catch {
        keep = false;
      }
    }
    db.con.closeSync();
    if (keep) this.idle.push(loan.engine);
    else loan.engine.instance.closeSync();
  }

  /** Close every idle engine (the end of a run). */
  close(): void {
    for (const engine of this.idle.splice(0)) engine.instance.closeSync();
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
