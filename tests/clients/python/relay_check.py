"""A fixed psycopg2 workload whose printed results must be the same directly and through the gateway.

Usage: relay_check.py "<libpq connection string>"
psycopg2 interpolates parameters client-side, so everything goes over the simple protocol;
a named cursor adds DECLARE/FETCH, copy_expert adds COPY both ways.
"""
import io
import sys

import psycopg2
import psycopg2.extras


def main(dsn):
    out = []
    conn = psycopg2.connect(dsn)
    conn.autocommit = False
    cur = conn.cursor()

    cur.execute("DROP TABLE IF EXISTS py_people")
    cur.execute("CREATE TABLE py_people (id int PRIMARY KEY, name text, born date, score numeric(6,2), tags text[])")
    rows = [(i, "person %d" % i, "2000-01-%02d" % (i % 28 + 1), i * 1.25, ["t%d" % (i % 3)]) for i in range(1, 501)]
    psycopg2.extras.execute_values(cur, "INSERT INTO py_people VALUES %s", rows)
    conn.commit()

    cur.execute("SELECT id, name, born, score, tags FROM py_people WHERE id %% 50 = %s ORDER BY id", (0,))
    out.append(("select", [tuple(str(v) for v in r) for r in cur.fetchall()]))

    with conn.cursor(name="server_side") as named:
        named.itersize = 64
        named.execute("SELECT id FROM py_people ORDER BY id")
        out.append(("named_cursor_sum", sum(r[0] for r in named)))
    conn.commit()

    buffer = io.StringIO()
    cur.copy_expert("COPY (SELECT id, name FROM py_people ORDER BY id) TO STDOUT WITH (FORMAT csv)", buffer)
    exported = buffer.getvalue()
    out.append(("copy_out_lines", exported.count("\n")))
    cur.execute("CREATE TEMP TABLE py_copy (id int, name text)")
    cur.copy_expert("COPY py_copy FROM STDIN WITH (FORMAT csv)", io.StringIO(exported))
    cur.execute("SELECT count(*), min(name), max(id) FROM py_copy")
    out.append(("copy_in", cur.fetchone()))
    conn.commit()

    cur.execute("INSERT INTO py_people (id, name) VALUES (9001, 'rolled back')")
    conn.rollback()
    cur.execute("SELECT count(*) FROM py_people WHERE id = 9001")
    out.append(("after_rollback", cur.fetchone()[0]))

    try:
        cur.execute("SELECT 1/0")
    except psycopg2.Error as error:
        out.append(("error", error.pgcode, error.diag.message_primary))
        conn.rollback()

    # og_notice (made by the test, not through the gateway: DO and function bodies are refused there) raises it.
        cur.execute("SELECT og_notice('hello from plpgsql', false)")
    # Only this notice: DROP TABLE IF EXISTS adds one on the first run and not on the next.
    out.append(("notices", [n.strip() for n in conn.notices if "plpgsql" in n]))
    conn.commit()
    conn.close()

    for line in out:
        print("\t".join(str(part) for part in line))


if __name__ == "__main__":
    main(sys.argv[1])
