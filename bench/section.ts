// One section of docs/benchmarks.md: a heading and the lines under it (Markdown), as each benchmark
// module's bench*() function returns it.
export interface BenchSection {
  readonly title: string;
  readonly lines: string[];
}
