// A fixed node-postgres workload whose printed results must be the same directly and through
// the gateway. Usage: node relay_check.js "<connection string>"
// node-postgres sends parameterised queries with the unnamed statement, and named ones when a
// query has a `name`.
const { Client } = require('pg');

async function main(connectionString) {
  const out = [];
  const client = new Client({ connectionString });
  const notices = [];
  client.on('notice', (n) => notices.push(n.message));
  await client.connect();

  await client.query('DROP TABLE IF EXISTS node_events');
  await client.query('CREATE TABLE node_events (id int PRIMARY KEY, kind text, payload jsonb, at timestamptz)');
  for (let i = 1; i <= 200; i++) {
    await client.query('INSERT INTO node_events VALUES ($1, $2, $3, $4)',
      [i, i % 2 ? 'odd' : 'even', { n: i, tags: ['a', 'b'] }, new Date(Date.UTC(2024, 0, 1, 0, i))]);
  }

  const counted = await client.query('SELECT kind, count(*)::int AS n FROM node_events GROUP BY kind ORDER BY kind');
  out.push(['group', JSON.stringify(counted.rows)]);

  for (const id of [5, 50, 150]) {
    const named = await client.query({ name: 'event-by-id', text: 'SELECT id, kind, payload FROM node_events WHERE id = $1', values: [id] });
    out.push(['named ' + id, JSON.stringify(named.rows)]);
  }

  await client.query('BEGIN');
  await client.query('DELETE FROM node_events');
  await client.query('ROLLBACK');
  out.push(['after_rollback', (await client.query('SELECT count(*)::int AS n FROM node_events')).rows[0].n]);

  try {
    await client.query('SELECT $1::int', ['not a number']);
  } catch (error) {
    out.push(['error', error.code]);
  }

  // og_notice (made by the test, not through the gateway: DO and function bodies are refused there) raises it.
    await client.query("SELECT og_notice('node notice', false)");
  // Only this notice: DROP TABLE IF EXISTS adds one on the first run and not on the next.
  out.push(['notices', JSON.stringify(notices.filter((n) => n === 'node notice'))]);
  await client.end();
  for (const line of out) {
    console.log(line.join('\t'));
  }
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
