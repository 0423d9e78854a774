// cargo leptos end-to-end starts the tests right after spawning the server: wait until it
// answers before the first test runs.
export default async function globalSetup(): Promise<void> {
  const base = process.env.SIGNEDIN_BASE_URL ?? 'http://127.0.0.1:3000';
  const deadline = Date.now() + 120_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server at ${base} did not become ready: ${last}`);
}
