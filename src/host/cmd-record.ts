/** `specula record` — not built yet (see the issue tracker). */
export async function main(_argv: string[]): Promise<number> {
  console.error('specula record: not implemented in this build');
  return 2;
}
