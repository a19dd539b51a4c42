/** `specula replay` — not built yet (see the issue tracker). */
export async function main(_argv: string[]): Promise<number> {
  console.error('specula replay: not implemented in this build');
  return 2;
}
