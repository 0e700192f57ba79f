// Types for test-prerequisites.mjs, which runs on plain Node before anything is built.

export declare const NODE24_BINARY: string;
export declare const NODE24_INSTALL: readonly string[];
export declare const DEBIAN_TOOLS: readonly { readonly path: string; readonly package: string }[];

export declare function aptInstallCommand(packages: readonly string[], options: { sudo: boolean }): string;

export interface PresentPrerequisites {
  readonly node24Installed: boolean;
  /** Paths from DEBIAN_TOOLS that do not exist. */
  readonly missingTools: readonly string[];
  readonly isRoot: boolean;
}

export interface PrerequisiteCommand {
  readonly what: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export declare function planPrerequisites(present: PresentPrerequisites): { readonly commands: readonly PrerequisiteCommand[] } | { readonly stop: string };
