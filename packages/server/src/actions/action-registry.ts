/**
 * The operator's named actions (`keel server --config`, `actions:`): programs the server may run,
 * each an argv with a timeout and extra environment. Requests never carry a program; they name an
 * action defined here (an alert rule's `action`, a pipeline's retraining step).
 */
import { runAction, type ActionRunResult } from './run-action.js'

/** An action's name: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const DEFAULT_ACTION_TIMEOUT_MS = 10 * 60_000

export interface ActionDefinition {
  readonly name: string
  /** argv, run without a shell */
  readonly command: readonly string[]
  readonly timeoutMs: number
  /** added to the server's environment */
  readonly env: Readonly<Record<string, string>>
}

export class ActionRegistry {
  private readonly byName: ReadonlyMap<string, ActionDefinition>

  constructor(actions: readonly ActionDefinition[] = []) {
    this.byName = new Map(actions.map((a) => [a.name, a]))
  }

  get(name: string): ActionDefinition | undefined {
    return this.byName.get(name)
  }

  /** The defined names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort()
  }

  /** "defined: a, b" or "none is defined", for messages. */
  describe(): string {
    const names = this.names()
    return names.length === 0
      ? "none is defined (the operator defines them in keel server --config <file>, under 'actions')"
      : `defined: ${names.join(', ')}`
  }

  /** Runs the named action with extra environment; undefined when no action has that name. */
  run(name: string, env: Readonly<Record<string, string>> = {}): Promise<ActionRunResult> | undefined {
    const action = this.byName.get(name)
    return action && runAction(action, env)
  }
}
