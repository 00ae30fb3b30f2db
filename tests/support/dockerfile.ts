/**
 * Just enough of the Dockerfile syntax to check the repository's own Dockerfile: line continuations, comments, global
 * and stage ARG defaults, stages, exec-form commands, LABEL pairs and COPY flags. No container engine is needed.
 */

export interface DockerInstruction {
  keyword: string;
  args: string;
}

export interface DockerStage {
  name: string | undefined;
  /** The base image with the global ARG defaults substituted. */
  from: string;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** ARG defaults declared before the first FROM. */
  globalArgs: Map<string, string>;
  stages: DockerStage[];
}

export interface DockerCopy {
  flags: Map<string, string>;
  sources: string[];
  destination: string;
}

const logicalLines = (text: string): string[] => {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // Docker drops comment lines even inside a continued instruction.
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    if (full !== '') lines.push(full);
  }
  return lines;
};

const argDefault = (args: string): [string, string] => {
  const [name = '', value = ''] = args.split('=', 2);
  return [name.trim(), value.trim().replace(/^"(.*)"$/, '$1')];
};

const substitute = (text: string, values: ReadonlyMap<string, string>): string =>
  text.replace(/\$\{(\w+)\}/g, (whole, name: string) => values.get(name) ?? whole);

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  for (const line of logicalLines(text)) {
    const space = line.search(/\s/);
    const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const args = space === -1 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        from: substitute(image, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') globalArgs.set(...argDefault(args));
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

export const instructions = (stage: DockerStage, keyword: string): string[] =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

/** The shell commands of every RUN of a stage, `&&` chains split, in order. */
export const runCommands = (stage: DockerStage): string[] =>
  instructions(stage, 'RUN').flatMap((run) => run.split('&&').map((command) => command.trim()));

/** ARG defaults of a stage; an ARG without one takes the global default of the same name. */
export function stageArgs(file: Dockerfile, stage: DockerStage): Map<string, string> {
  const values = new Map<string, string>();
  for (const args of instructions(stage, 'ARG')) {
    const [name, value] = argDefault(args);
    const inherited = file.globalArgs.get(name);
    if (args.includes('=')) values.set(name, value);
    else if (inherited !== undefined) values.set(name, inherited);
  }
  return values;
}

/** ENTRYPOINT or CMD in exec (JSON) form; the shell form would put a shell between the signal and Node. */
export function execForm(stage: DockerStage, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const found = instructions(stage, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  const parsed: unknown = JSON.parse(found[0] ?? '');
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`${keyword} is not in exec form: ${found[0]}`);
  }
  return parsed;
}

export function labels(stage: DockerStage, values: ReadonlyMap<string, string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const args of instructions(stage, 'LABEL')) {
    for (const [, key = '', value = ''] of args.matchAll(/([\w.-]+)="([^"]*)"/g)) {
      found.set(key, substitute(value, values));
    }
  }
  return found;
}

export function parseCopy(args: string): DockerCopy {
  const words = args.split(/\s+/);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [flag = '', value = ''] = (words.shift() ?? '').slice(2).split('=', 2);
    flags.set(flag, value);
  }
  const destination = words.pop() ?? '';
  return { flags, sources: words, destination };
}
