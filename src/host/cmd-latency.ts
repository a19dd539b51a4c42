/** `specula latency` — not built yet (see the issue tracker). */
export async function main(_argv: string[]): Promise<number> {
  console.error('specula latency: not implemented in this build');
  return 2;
}
