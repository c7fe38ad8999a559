using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;
using static OrleansGate.Grains.Statements.StatementKind;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>
/// One row per statement: the kind PostgreSQL's grammar gives it, whatever its spelling —
/// comments, case, WITH, dollar quotes and U&amp;"…" identifiers must not change the answer.
/// </summary>
public sealed class StatementKindTable
{
    private static readonly SqlParser Parser = new(cacheEntries: 0);

    public static TheoryData<string, StatementKind> Statements => new()
    {
        // Reads
        { "SELECT 1", Select },
        { "select * from customers", Select },
        { "/* DELETE FROM t */ SELECT 1", Select },
        { "-- drop table t\nSELECT 1", Select },
        { "WITH x AS (SELECT 1) SELECT * FROM x", Select },
        { "SELECT $$; DELETE FROM t; $$", Select },
        { "SELECT $tag$ COPY t TO PROGRAM 'x' $tag$", Select },
        { "SELECT * FROM U&\"d\\0061ta\"", Select },
        { "VALUES (1), (2)", Select },
        { "TABLE customers", Select },
        { "(SELECT 1) UNION ALL (SELECT 2)", Select },
        { "SELECT 1 FOR UPDATE", Select },
        { "sElEcT name FrOm customers", Select },
        // Writes
        { "INSERT INTO t VALUES (1)", Insert },
        { "insert into t select * from s", Insert },
        { "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", Insert },
        { "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", Insert },
        { "UPDATE t SET a = 1", Update },
        { "update t set a = s.a from s where s.id = t.id", Update },
        { "DELETE FROM t", Delete },
        { "DELETE FROM t WHERE id IN (SELECT id FROM s) RETURNING *", Delete },
        { "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", Merge },
        { "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id)", Merge },
        // COPY
        { "COPY t TO STDOUT", CopyTo },
        { "copy (select * from t) to stdout with (format csv)", CopyTo },
        { "COPY t TO '/tmp/out'", CopyTo },
        { "COPY t TO PROGRAM 'gzip > /tmp/x'", CopyTo },
        { "COPY t FROM STDIN", CopyFrom },
        { "COPY t (a, b) FROM STDIN WITH (FORMAT binary)", CopyFrom },
        { "COPY t FROM '/etc/passwd'", CopyFrom },
        { "COPY t FROM PROGRAM 'curl http://x'", CopyFrom },
        // DDL
        { "CREATE TABLE t (a int)", Ddl },
        { "CREATE TABLE t (a int DEFAULT f())", Ddl },
        { "CREATE TEMP TABLE t AS SELECT 1", Ddl },
        { "CREATE MATERIALIZED VIEW mv AS SELECT 1", Ddl },
        { "CREATE VIEW v AS SELECT 1", Ddl },
        { "CREATE INDEX ON t (a)", Ddl },
        { "CREATE SCHEMA s", Ddl },
        { "CREATE SEQUENCE s", Ddl },
        { "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", Ddl },
        { "CREATE EXTENSION dblink", Ddl },
        { "CREATE TYPE mood AS ENUM ('sad')", Ddl },
        { "CREATE DOMAIN d AS int", Ddl },
        { "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", Ddl },
        { "ALTER TABLE t ADD COLUMN b int", Ddl },
        { "ALTER TABLE t RENAME TO u", Ddl },
        { "ALTER TABLE t OWNER TO someone", Ddl },
        { "ALTER SYSTEM SET work_mem = '1GB'", Ddl },
        { "DROP TABLE t", Ddl },
        { "DROP SCHEMA s CASCADE", Ddl },
        { "COMMENT ON TABLE t IS 'x'", Ddl },
        { "CREATE DATABASE d", Ddl },
        { "REFRESH MATERIALIZED VIEW mv", Ddl },
        { "REINDEX TABLE t", Ddl },
        { "CREATE POLICY p ON t USING (true)", Ddl },
        // Privileges and roles
        { "GRANT SELECT ON t TO u", Grant },
        { "REVOKE ALL ON t FROM PUBLIC", Grant },
        { "GRANT admin TO u", Grant },
        { "CREATE ROLE r LOGIN", Grant },
        { "CREATE USER u PASSWORD 'p'", Grant },
        { "ALTER ROLE r SUPERUSER", Grant },
        { "ALTER USER u SET search_path = x", Grant },
        { "DROP ROLE r", Grant },
        { "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO u", Grant },
        { "REASSIGN OWNED BY a TO b", Grant },
        // Settings
        { "SET search_path = x", Set },
        { "SET LOCAL statement_timeout = 0", Set },
        { "SET ROLE postgres", Set },
        { "set role = 'postgres'", Set },
        { "SET SESSION AUTHORIZATION postgres", Set },
        { "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", Set },
        { "RESET ROLE", Reset },
        { "RESET ALL", Reset },
        { "RESET SESSION AUTHORIZATION", Reset },
        // Transactions
        { "BEGIN", Transaction },
        { "START TRANSACTION READ ONLY", Transaction },
        { "COMMIT", Transaction },
        { "ROLLBACK", Transaction },
        { "SAVEPOINT s", Transaction },
        { "ROLLBACK TO SAVEPOINT s", Transaction },
        { "RELEASE s", Transaction },
        { "PREPARE TRANSACTION 'x'", Transaction },
        // Procedural
        { "DO $$BEGIN PERFORM 1; END$$", Do },
        { "do language plpgsql 'begin null; end'", Do },
        { "CALL p(1)", Call },
        // EXPLAIN
        { "EXPLAIN SELECT 1", Explain },
        { "EXPLAIN DELETE FROM t", Explain },
        { "EXPLAIN (ANALYZE) DELETE FROM t", Delete },
        { "EXPLAIN ANALYZE SELECT 1", Select },
        { "EXPLAIN (ANALYZE false) DELETE FROM t", Explain },
        // Prepared statements and cursors
        { "PREPARE p AS SELECT 1", Prepare },
        { "PREPARE p (int) AS DELETE FROM t WHERE id = $1", Prepare },
        { "EXECUTE p(1)", Execute },
        { "DEALLOCATE p", Deallocate },
        { "DEALLOCATE ALL", Deallocate },
        { "DECLARE c CURSOR FOR SELECT * FROM t", Declare },
        { "FETCH 10 FROM c", Fetch },
        { "MOVE NEXT IN c", Fetch },
        { "CLOSE c", Close },
        { "CLOSE ALL", Close },
        // Notifications
        { "LISTEN ch", Listen },
        { "UNLISTEN *", Listen },
        { "NOTIFY ch, 'x'", Notify },
        // Maintenance
        { "VACUUM", Vacuum },
        { "VACUUM (FULL) t", Vacuum },
        { "ANALYZE t", Analyze },
        { "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", StatementKind.Lock },
        { "TRUNCATE t", Truncate },
        { "TRUNCATE TABLE a, b RESTART IDENTITY", Truncate },
        // Everything else the grammar accepts
        { "SHOW search_path", Other },
        { "DISCARD ALL", Other },
        { "CHECKPOINT", Other },
        { "LOAD 'auto_explain'", Other },
        { "SET CONSTRAINTS ALL DEFERRED", Other },
        // Not SQL the PostgreSQL 15 grammar accepts: refused, never guessed at
        { "SELEC 1", Unparseable },
        { "SELECT FROM WHERE", Unparseable },
        { "DELETE t", Unparseable },
        { "SELECT 'unterminated", Unparseable },
        { "SELECT $$ unterminated", Unparseable },
        { "COPY t TO STDOUT (FORMAT", Unparseable },
        { "SELECT JSON_OBJECT('a': 1)", Unparseable },
    };

    [Theory]
    [MemberData(nameof(Statements))]
    public void Each_statement_has_the_kind_the_grammar_gives_it(string sql, StatementKind expected)
    {
        var statements = Parser.Parse(sql);

        var statement = Assert.Single(statements);
        Assert.Equal(expected, statement.Kind);
        Assert.Equal(expected, statement.Kinds[0]);
        Assert.Equal(expected == Unparseable, statement.ParseError is not null);
    }

    [Fact]
    public void The_table_covers_every_kind_that_sql_can_have()
    {
        var covered = Statements.Select(row => (StatementKind)row[1]).ToHashSet();
        // FunctionCall is a protocol message, not SQL; Write is decided with the catalog (functions' volatility), not by the grammar.
        var missing = Enum.GetValues<StatementKind>().Where(k => k is not (FunctionCall or Write) && !covered.Contains(k));

        Assert.Empty(missing);
        Assert.True(Statements.Count() >= 100, $"only {Statements.Count()} statements in the table");
    }
}
