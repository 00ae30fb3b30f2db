import { parseDocument } from 'yaml';
import { isPlainObject } from './object-path.js';
import { type ConfigProblem, configProblem } from './problems.js';
import { substituteEnv } from './substitute-env.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigFileResult {
  document: Record<string, unknown>;
  problems: ConfigProblem[];
  /** The document could not be read as a whole, so validating it would only add confusing follow-on problems. */
  unusable: boolean;
}

/** The first line of a yaml error without its source excerpt, which could show a secret. */
function yamlReason(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}

/** Reads and parses the YAML file named by `GATEWAY_CONFIG` (optional) and substitutes `${VAR}` references. */
export function readConfigFile(env: Env, readFile: (path: string) => string): ConfigFileResult {
  const filePath = env.GATEWAY_CONFIG?.trim();
  if (!filePath) return { document: {}, problems: [], unusable: false };
  let text: string;
  try {
    text = readFile(filePath);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      document: {},
      problems: [
        configProblem(
          ['GATEWAY_CONFIG'],
          filePath,
          `must name a readable file (${reason})`,
          'check the path and that the file is mounted',
        ),
      ],
      unusable: true,
    };
  }
  const yaml = parseDocument(text);
  if (yaml.errors.length > 0) {
    const problems = yaml.errors.map((error) => {
      const position = error.linePos?.[0];
      const suggestion =
        error.code === 'DUPLICATE_KEY' ? 'keep one of the repeated keys' : 'fix the YAML at that position';
      return {
        ...configProblem([], undefined, `valid YAML (${yamlReason(error.message)})`, suggestion),
        line: position?.line ?? 1,
        column: position?.col ?? 1,
      };
    });
    return { document: {}, problems, unusable: true };
  }
  const problems = substituteEnv(yaml, env);
  const document: unknown = yaml.toJS() ?? {};
  if (!isPlainObject(document)) {
    problems.push(
      configProblem(
        [],
        document,
        'the document must be a mapping of sections',
        'start the file with a key such as "server:"',
      ),
    );
    return { document: {}, problems, unusable: true };
  }
  return { document, problems, unusable: false };
}
