/**
 * Writes values into a .env file's text, keeping everything else as it was: comments, order,
 * other variables. An existing assignment (`NAME=…` or `export NAME=…`) is replaced in place;
 * a variable the file lacks is appended.
 */
export function setEnvValues(text: string, values: Record<string, string>): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  for (const [name, value] of Object.entries(values)) {
    const assignment = new RegExp(`^(\\s*(?:export\\s+)?${name}\\s*=[ \\t]*).*$`);
    let found = false;
    for (let i = 0; i < lines.length; i++) {
      const match = assignment.exec(lines[i]!);
      if (!match) continue;
      lines[i] = `${match[1]}${value}`;
      found = true;
    }
    if (!found) lines.push(`${name}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}
