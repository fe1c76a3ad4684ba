/**
 * The operator's configuration, `keel server --config <file>` (YAML or JSON): what requests may
 * not decide. The named actions the server may run (an alert rule names one) and the private
 * targets webhooks may reach:
 *
 *   actions:
 *     retrain:
 *       command: ["npx", "tsx", "examples/iris/train.ts"]   # argv, no shell
 *       timeout_seconds: 600                                 # default 600
 *       env: { KEEL_TRACKING_URI: "http://127.0.0.1:5000" }  # added to the environment
 *   webhooks:
 *     allow: ["10.1.2.0/24", "hooks.internal"]               # CIDRs, addresses or host names
 *
 * A file that cannot be read or is not valid is refused with a message naming the file, the key
 * and the problem; the server does not start.
 */
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import {
  ACTION_NAME,
  ActionRegistry,
  DEFAULT_ACTION_TIMEOUT_MS,
  type ActionDefinition,
} from '../actions/action-registry.js'
import { AddressPolicy, parseAllowEntry } from '../webhooks/address-policy.js'

export interface OperatorConfig {
  /** the file it was read from (none: the defaults) */
  readonly file?: string
  readonly actions: ActionRegistry
  readonly webhooks: AddressPolicy
}

export class OperatorConfigError extends Error {
  override readonly name = 'OperatorConfigError'
}

/** No actions; webhooks reach public addresses only. */
export const defaultOperatorConfig = (): OperatorConfig => ({
  actions: new ActionRegistry(),
  webhooks: new AddressPolicy(),
})

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_TIMEOUT_SECONDS = 7 * 86400

const argv = z
  .array(
    z.string({ error: 'expected a string' }).refine((s) => !s.includes('\0'), 'an argument holds a NUL character'),
    {
      error:
        'expected a list of strings: the program and its arguments, run without a shell, e.g. ["npx", "tsx", "train.ts"]',
    },
  )
  .min(1, 'expected at least the program')
  .max(100, 'at most 100 arguments')
  .refine((a) => a.length === 0 || a[0] !== '', 'the program (first item) is empty')

const action = z.strictObject(
  {
    command: argv,
    timeout_seconds: z
      .number({ error: 'expected a number of seconds' })
      .positive('expected a number of seconds above 0')
      .max(MAX_TIMEOUT_SECONDS, `at most ${MAX_TIMEOUT_SECONDS} seconds (7 days)`)
      .optional(),
    env: z
      .record(
        z
          .string()
          .regex(ENV_NAME, 'not an environment variable name (letters, digits and _, not starting with a digit)'),
        z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string value' }).transform(String),
        { error: 'expected a mapping of variable names to values' },
      )
      .nullish(),
  },
  { error: 'expected a mapping with command (and optionally timeout_seconds, env)' },
)

const schema = z.strictObject(
  {
    actions: z
      .record(
        z
          .string()
          .regex(
            ACTION_NAME,
            'not an action name (letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit)',
          ),
        action,
        {
          error: 'expected a mapping of action names to actions',
        },
      )
      .nullish(),
    webhooks: z
      .strictObject(
        {
          allow: z
            .array(
              z
                .string({ error: 'expected a string' })
                .refine(
                  (e) => parseAllowEntry(e) !== undefined,
                  'not a CIDR (10.1.2.0/24), an IP address or a host name',
                ),
              {
                error: 'expected a list of CIDRs, IP addresses or host names',
              },
            )
            .nullish(),
        },
        { error: 'expected a mapping with allow' },
      )
      .nullish(),
  },
  { error: 'expected a mapping with actions and/or webhooks' },
)

const KNOWN_KEYS: Record<string, string> = {
  '': 'actions, webhooks',
  actions: 'command, timeout_seconds, env',
  webhooks: 'allow',
}

function describeIssue(issue: z.core.$ZodIssue): { key: string; problem: string } {
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const at = path.length === 2 && path[0] === 'actions' ? 'actions' : path.join('.')
    const key = [...path, issue.keys[0]!].join('.')
    return { key, problem: `unknown key${KNOWN_KEYS[at] ? ` (expected ${KNOWN_KEYS[at]})` : ''}` }
  }
  if (issue.code === 'invalid_key') return { key: path.join('.'), problem: issue.issues[0]?.message ?? issue.message }
  return { key: path.join('.'), problem: issue.message }
}

/** Validates a parsed configuration; `file` names it in messages. */
export function operatorConfigFrom(value: unknown, file: string): OperatorConfig {
  const result = schema.safeParse(value ?? {})
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map((issue) => {
      const { key, problem } = describeIssue(issue)
      return `${key === '' ? '(the whole file)' : key}: ${problem}`
    })
    throw new OperatorConfigError(`invalid --config ${file}: ${lines.join('; ')}`)
  }
  const actions: ActionDefinition[] = Object.entries(result.data.actions ?? {}).map(([name, a]) => ({
    name,
    command: a.command,
    timeoutMs: a.timeout_seconds !== undefined ? Math.round(a.timeout_seconds * 1000) : DEFAULT_ACTION_TIMEOUT_MS,
    env: a.env ?? {},
  }))
  return { file, actions: new ActionRegistry(actions), webhooks: new AddressPolicy(result.data.webhooks?.allow ?? []) }
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseOperatorConfig(text: string, file: string): OperatorConfig {
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (error) {
    throw new OperatorConfigError(
      `invalid --config ${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`,
    )
  }
  return operatorConfigFrom(value, file)
}

export async function loadOperatorConfig(file: string): Promise<OperatorConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new OperatorConfigError(
      `--config ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    )
  }
  return parseOperatorConfig(text, file)
}
