/**
 * Passwords for `keel users`: never from the command line (where `ps` and the shell's history
 * would keep them). Typed at a terminal without echo, or piped with `--password-stdin`, one per line.
 */

export interface PasswordFlags {
  passwordStdin?: boolean
}

/**
 * `count` passwords, in order: the lines of stdin with `--password-stdin`, else typed at the
 * terminal (each prompt in `prompts`; a new password is asked twice when `confirmLast`).
 */
export async function readPasswords(
  flags: PasswordFlags,
  prompts: readonly string[],
  confirmLast = true,
): Promise<string[]> {
  if (flags.passwordStdin) return passwordsFromStdin(prompts.length)
  if (!process.stdin.isTTY) {
    throw new Error(
      'no terminal to type the password in: pipe it with --password-stdin (it is never taken as an argument)',
    )
  }
  const out: string[] = []
  for (const prompt of prompts) {
    const password = await promptHidden(prompt)
    if (password === '') throw new Error('the password is empty; nothing was changed')
    out.push(password)
  }
  if (confirmLast && (await promptHidden('Repeat it: ')) !== out[out.length - 1])
    throw new Error('the two passwords typed differ; nothing was changed')
  return out
}

async function passwordsFromStdin(count: number): Promise<string[]> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  const what =
    count === 1 ? 'the password alone on one line' : `${count} lines (the current password, then the new one)`
  if (lines.length !== count) throw new Error(`--password-stdin: stdin holds ${lines.length} line(s); expected ${what}`)
  if (lines.some((line) => line === '')) throw new Error('--password-stdin: a password read from stdin is empty')
  return lines
}

/** Reads one line from the terminal in raw mode, echoing nothing; Ctrl-C ends the command. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          return resolve(value)
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish()
          return reject(new Error('cancelled; nothing was changed'))
        }
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('')
        else if (ch === '\u001b')
          break // an escape sequence (arrow keys): ignore the rest of it
        else if (ch >= ' ') value += ch
      }
    }
    stdin.on('data', onData)
  })
}
