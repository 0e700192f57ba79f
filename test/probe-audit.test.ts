import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLine, createAuditLog, type AuditLogOptions } from '../src/probe/audit.js';
import { controlRecord, runRecord } from './support/records.js';

const ONE_LINE = Buffer.byteLength(auditLine(runRecord({ id: 'r-00' })));

let dir: string;
let path: string;
const errors: Error[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-audit-'));
  path = join(dir, 'audit.jsonl');
  errors.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function auditLog(options: Partial<AuditLogOptions> = {}) {
  return createAuditLog({ path, maxBytes: 1_000_000, keep: 3, onError: (error) => errors.push(error), ...options });
}

async function ids(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
}

describe('audit log', () => {
  it('appends one JSON line per record, telling runs from control results', async () => {
    const audit = auditLog();

    await audit.append(runRecord({ id: 'r-00' }));
    await audit.append(controlRecord());
    await audit.close();

    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.map((line) => (line === '' ? '' : (JSON.parse(line) as { kind: string }).kind))).toEqual(['run', 'control', '']);
  });

  it('rotates before a line would take the file past maxBytes', async () => {
    const audit = auditLog({ maxBytes: 2 * ONE_LINE });

    for (const id of ['r-01', 'r-02', 'r-03']) await audit.append(runRecord({ id }));
    await audit.close();

    expect(await ids(`${path}.1`)).toEqual(['r-01', 'r-02']);
    expect(await ids(path)).toEqual(['r-03']);
  });

  it('keeps only the newest `keep` rotated files', async () => {
    const audit = auditLog({ maxBytes: ONE_LINE, keep: 2 });

    for (const id of ['r-01', 'r-02', 'r-03', 'r-04', 'r-05']) await audit.append(runRecord({ id }));
    await audit.close();

    expect((await readdir(dir)).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    expect([...(await ids(`${path}.2`)), ...(await ids(`${path}.1`)), ...(await ids(path))]).toEqual(['r-03', 'r-04', 'r-05']);
  });

  it('continues the current file after a restart', async () => {
    const before = auditLog();
    await before.append(runRecord({ id: 'r-01' }));
    await before.close();

    const after = auditLog();
    await after.append(runRecord({ id: 'r-02' }));
    await after.close();

    expect(await ids(path)).toEqual(['r-01', 'r-02']);
  });

  it('counts the bytes already in the file after a restart towards rotation', async () => {
    await writeFile(path, auditLine(runRecord({ id: 'r-01' })));

    const audit = auditLog({ maxBytes: ONE_LINE + 10 });
    await audit.append(runRecord({ id: 'r-02' }));
    await audit.close();

    expect(await ids(`${path}.1`)).toEqual(['r-01']);
    expect(await ids(path)).toEqual(['r-02']);
  });

  it('ends a line a full disk or a crash cut short before writing the next, so the next still parses', async () => {
    const whole = auditLine(runRecord({ id: 'r-01' }));
    const cutShort = auditLine(runRecord({ id: 'r-02' })).slice(0, 20);
    await writeFile(path, whole + cutShort);
    const next = runRecord({ id: 'r-03' });

    const audit = auditLog();
    await audit.append(next);
    await audit.close();

    expect(await readFile(path, 'utf8')).toBe(`${whole}${cutShort}\n${auditLine(next)}`);
  });

  it('ends a line a crash cut short as soon as the file is opened, so the file rotated before the next record ends whole', async () => {
    const whole = auditLine(runRecord({ id: 'r-01' }));
    const cutShort = auditLine(runRecord({ id: 'r-02' })).slice(0, 20);
    await writeFile(path, whole + cutShort);
    const next = runRecord({ id: 'r-03' });

    const audit = auditLog({ maxBytes: Buffer.byteLength(whole + cutShort) + 10 });
    await audit.append(next);
    await audit.close();

    expect(await readFile(`${path}.1`, 'utf8')).toBe(`${whole}${cutShort}\n`);
    expect(await ids(path)).toEqual(['r-03']);
  });

  it('ends the line a failed write cut short right after the failure, keeping every whole record before it', async () => {
    const whole = auditLine(runRecord({ id: 'r-01' }));
    await writeFile(path, whole);

    // The file may grow 20 bytes more, as a nearly full disk would allow; space is freed once the failure is reported.
    await withFileSizeLimit(Buffer.byteLength(whole) + 20, async (freeSpace) => {
      const audit = auditLog({ onError: (error) => (errors.push(error), freeSpace()) });
      await audit.append(runRecord({ id: 'r-02' }));
      await audit.close();
    });

    expect(errors.map((error) => (error.cause as NodeJS.ErrnoException).code)).toEqual(['EFBIG']);
    expect(await readFile(path, 'utf8')).toBe(`${whole}${auditLine(runRecord({ id: 'r-02' })).slice(0, 20)}\n`);
  });

  it('writes every pending record before close resolves', async () => {
    const audit = auditLog();

    for (const id of ['r-01', 'r-02', 'r-03']) void audit.append(runRecord({ id }));
    await audit.close();

    expect(await ids(path)).toEqual(['r-01', 'r-02', 'r-03']);
  });

  it('keeps every line whole and none lost when appends race with rotation', async () => {
    const audit = auditLog({ maxBytes: 7 * ONE_LINE, keep: 100 });
    const expected = Array.from({ length: 60 }, (_, index) => `r-${String(index).padStart(2, '0')}`);

    await Promise.all(expected.map((id) => audit.append(runRecord({ id }))));
    await audit.flush();

    const files = (await readdir(dir)).sort((a, b) => rotationIndex(b) - rotationIndex(a));
    const written = (await Promise.all(files.map((file) => ids(join(dir, file))))).flat();
    expect(written).toEqual(expected);
    await audit.close();
  });

  it('reports a failed write through onError and resolves instead of throwing', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, '');
    const audit = createAuditLog({ path: join(blocker, 'audit.jsonl'), maxBytes: 1000, keep: 1, onError: (error) => errors.push(error) });

    await expect(audit.append(runRecord({ id: 'r-01' }))).resolves.toBeUndefined();

    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(join(blocker, 'audit.jsonl'));
    expect(errors[0]?.cause).toBeInstanceOf(Error);
  });

  it('reports an append after close instead of writing it', async () => {
    const audit = auditLog();
    await audit.close();

    await audit.append(runRecord({ id: 'r-01' }));

    expect(errors.map((error) => error.message)).toEqual([`audit log ${path}: append after close; record r-01 dropped`]);
  });
});

/** audit.jsonl → 0, audit.jsonl.3 → 3: higher is older. */
function rotationIndex(file: string): number {
  return Number(/\.(\d+)$/.exec(file)?.[1] ?? 0);
}

/**
 * Runs `body` while this process may grow no file past `bytes`, as a full disk would stop a write
 * part-way: a write crossing the limit is cut short and the next fails with EFBIG (SIGXFSZ ignored).
 * `freeSpace` ends the limit early, as space freed on the disk would. Uses util-linux's prlimit on this
 * process's soft limit only, restoring what it was.
 */
async function withFileSizeLimit(bytes: number, body: (freeSpace: () => void) => Promise<void>): Promise<void> {
  const prlimit = (...args: string[]) => execFileSync('prlimit', [`--pid=${process.pid}`, ...args], { encoding: 'utf8' });
  const original = prlimit('--fsize', '--output=SOFT', '--noheadings', '--raw').trim();
  const setSoftLimit = (limit: string) => prlimit(`--fsize=${limit}:`);
  const ignore = () => undefined;
  process.on('SIGXFSZ', ignore);
  setSoftLimit(String(bytes));
  try {
    await body(() => setSoftLimit(original));
  } finally {
    setSoftLimit(original);
    process.off('SIGXFSZ', ignore);
  }
}
