/** `specula recover` — not built yet (see the issue tracker). */
export async function main(_argv: string[]): Promise<number> {
  console.error('specula recover: not implemented in this build');
  return 2;
}
