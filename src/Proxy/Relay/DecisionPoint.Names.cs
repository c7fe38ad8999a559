using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;
using OrleansGate.Proxy.Relay.Names;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Prepared statements and portals: every Parse, Bind, Close and every PREPARE, DECLARE,
/// DEALLOCATE, CLOSE, DISCARD ALL a batch sends becomes a change to <see cref="SessionNames"/>,
/// made once the batch goes upstream and kept once the server confirms it; every Bind, Execute,
/// EXECUTE and FETCH is decided as what the name it uses really runs. A name the gateway cannot
/// account for is refused, with the server's own SQLSTATE, and recorded.
/// </summary>
internal sealed partial class DecisionPoint
{
    // The request (a Query, a FunctionCall, or extended-protocol messages up to Sync) being decided.
    private long _group = 1;

    // This batch's name changes in order; Request is the index of the SQL statement that makes
    // it (confirmed by its CommandComplete), or -1 for a protocol message's.
    private readonly List<(NameChange Change, int Request)> _changes = [];

    private SessionNames Names => replies.Names;

    private void NextGroup() => _group++;

    private string? Track(FrontendMessageType type, Frame frame)
    {
        switch (type)
        {
            case FrontendMessageType.Parse:
                if (!ParseMessage.TryDecode(frame.Payload, out var parse))
                {
                    return "malformed Parse message";
                }

                var statements = parser.Parse(parse.Sql).ToArray();
                if (TooLong(parse.StatementName) is { } longParse)
                {
                    _requests.Add(longParse);
                    return null;
                }

                if (!SqlText.ReadsTheSameUnderEverySetting(parse.Sql) && (Unanswered || _flushedWithoutSync || _requests.Exists(r => r.Phase == StatementPhase.Execute)))
                {
                    // The server parses this after running what came before it in the batch.
                    _requests.Add(Unsettled(statements.FirstOrDefault() ?? Empty(parse.Sql)));
                    return null;
                }

                if (parse.StatementName.Length > 0 && InUse(Namespace.Statement, parse.StatementName))
                {
                    // PostgreSQL's own answer; refusing it here keeps the gateway's names the server's.
                    _requests.Add(Refused(statements.FirstOrDefault() ?? Empty(parse.Sql), "names:duplicate-statement", "42P05",
                        $"prepared statement \"{parse.StatementName}\" already exists"));
                    return null;
                }

                _changes.Add((new NameChange(Namespace.Statement, parse.StatementName,
                    new PreparedStatement(parse.Sql, statements.FirstOrDefault() ?? NoStatement(parse.Sql), parse.ParameterTypes)), -1));
                _parsed.Add((statements, false));
                return null;
            case FrontendMessageType.Bind:
                if (!BindMessage.TryDecode(frame.Payload, out var bind))
                {
                    return "malformed Bind message";
                }

                if ((TooLong(bind.StatementName) ?? TooLong(bind.PortalName)) is { } longBind)
                {
                    _requests.Add(longBind);
                    return null;
                }

                if (Find(Namespace.Statement, bind.StatementName, out var uncertainStatement) is not PreparedStatement prepared)
                {
                    // PostgreSQL's own answer (26000); the gateway never binds what it cannot account for.
                    _requests.Add(Refused(Empty($"-- Bind of prepared statement \"{bind.StatementName}\""), "names:unknown-statement", "26000",
                        Unknown("prepared statement", bind.StatementName, uncertainStatement)));
                    return null;
                }

                PortalBound(bind.PortalName);
                _changes.Add((new NameChange(Namespace.Portal, bind.PortalName,
                    new Portal(prepared.Runs, ParameterText.Of(bind.Parameters, prepared.ParameterTypes), Holdable: false)), -1));
                return null;
            case FrontendMessageType.Execute:
                if (!ExecuteMessage.TryDecode(frame.Payload, out var execute))
                {
                    return "malformed Execute message";
                }

                if (TooLong(execute.PortalName) is { } longExecute)
                {
                    _requests.Add(longExecute);
                    return null;
                }

                if (Find(Namespace.Portal, execute.PortalName, out var uncertainPortal) is not Portal portal)
                {
                    _requests.Add(Refused(Empty($"-- Execute of portal \"{execute.PortalName}\""), "names:unknown-portal", "34000",
                        Unknown("portal", execute.PortalName, uncertainPortal)));
                    return null;
                }

                MarkExecuted(portal.Runs);
                _requests.Add(SqlRequest(portal.Runs, StatementPhase.Execute, portal.Parameters, _requests.Count));
                return null;
            case FrontendMessageType.Close:
                if (!CloseMessage.TryDecode(frame.Payload, out var close))
                {
                    return UnknownKind("CLOSE", frame) ? null : "malformed Close message";
                }

                if (TooLong(close.Name) is { } longClose)
                {
                    _requests.Add(longClose);
                    return null;
                }

                if (close.Kind == StatementOrPortal.Portal)
                {
                    _portalGenerations.Remove(close.Name);
                }

                _changes.Add((new NameChange(close.Kind == StatementOrPortal.Statement ? Namespace.Statement : Namespace.Portal, close.Name, null), -1));
                return null;
            case FrontendMessageType.Describe:
                if (!DescribeMessage.TryDecode(frame.Payload, out var describe))
                {
                    return UnknownKind("DESCRIBE", frame) ? null : "malformed Describe message";
                }

                if (TooLong(describe.Name) is { } longDescribe)
                {
                    _requests.Add(longDescribe);
                }

                return null;
            default:
                return $"unexpected frontend message type {MessageTypeNames.Printable((byte)type)}";
        }
    }

    private List<StatementRequest> QueryRequests(string sql)
    {
        // A simple Query drops the unnamed statement and portal before anything else (§55.2.2).
        _changes.Add((new NameChange(Namespace.Statement, string.Empty, null) { Unconditional = true }, -1));
        _changes.Add((new NameChange(Namespace.Portal, string.Empty, null) { Unconditional = true }, -1));
        var requests = new List<StatementRequest>();
        var unsettled = Unanswered && !SqlText.ReadsTheSameUnderEverySetting(sql);
        foreach (var statement in parser.Parse(sql))
        {
            requests.Add(unsettled ? Unsettled(statement) : SqlRequest(statement, StatementPhase.Query, [], requests.Count));
        }

        return requests;
    }

    /// <summary>
    /// A SQL statement as it will run: EXECUTE and FETCH become what their prepared statement or
    /// cursor runs; PREPARE, DECLARE, DEALLOCATE, CLOSE and DISCARD ALL note the names they change.
    /// </summary>
    private StatementRequest SqlRequest(StatementInfo statement, StatementPhase phase, IReadOnlyList<string?> parameters, int index)
    {
        var request = new StatementRequest(statement, phase, parameters);
        switch (statement.Kind)
        {
            case StatementKind.Execute when statement.ObjectName is { } name:
                request = Find(Namespace.Statement, name, out var uncertain) is PreparedStatement prepared
                    ? request with { Statement = Running(statement, prepared.Runs) }
                    : request with { Refusal = new RequestRefusal("names:unknown-statement", "26000", Unknown("prepared statement", name, uncertain)) };
                break;
            case StatementKind.Fetch when statement.ObjectName is { } cursor:
                request = Find(Namespace.Portal, cursor, out var lost) is Portal portal
                    ? request with { Statement = Running(statement, portal.Runs) }
                    : request with { Refusal = new RequestRefusal("names:unknown-portal", "34000", Unknown("cursor", cursor, lost)) };
                break;
        }

        foreach (var change in Changes(statement))
        {
            _changes.Add((change, index));
        }

        return request;
    }

    /// <summary>The names a SQL statement changes when it succeeds.</summary>
    private static IEnumerable<NameChange> Changes(StatementInfo statement)
    {
        // By the command, not the kind: EXPLAIN ANALYZE DECLARE c … takes DECLARE's kind and name,
        // but explains the query without making a cursor.
        switch (statement.Kind)
        {
            case StatementKind.Prepare when statement is { Command: "PrepareStmt", ObjectName: { } name, Inner: { } runs }:
                yield return new NameChange(Namespace.Statement, name, new PreparedStatement(statement.Sql, runs, []));
                break;
            case StatementKind.Declare when statement is { Command: "DeclareCursorStmt", ObjectName: { } cursor, Inner: { } query }:
                yield return new NameChange(Namespace.Portal, cursor, new Portal(query, [], statement.Holdable));
                break;
            case StatementKind.Deallocate when statement.Command == "DeallocateStmt":
                yield return statement.ObjectName is { } deallocated ? new NameChange(Namespace.Statement, deallocated, null) : NameChange.RemoveAll(Namespace.Statement);
                break;
            case StatementKind.Close when statement.Command == "ClosePortalStmt":
                yield return statement.ObjectName is { } closed ? new NameChange(Namespace.Portal, closed, null) : NameChange.RemoveAll(Namespace.Portal);
                break;
            case StatementKind.Other when statement is { Command: "DiscardStmt", ObjectName: "ALL" }:
                yield return NameChange.RemoveAll(Namespace.Statement);
                yield return NameChange.RemoveAll(Namespace.Portal);
                break;
        }
    }

    /// <summary>What a name holds for this batch: its own changes first, then what the server has or will have.</summary>
    private object? Find(Namespace ns, string name, out bool uncertain)
    {
        for (var i = _changes.Count - 1; i >= 0; i--)
        {
            var change = _changes[i].Change;
            if (change.Namespace == ns && (change.All || change.Name == name))
            {
                uncertain = false;
                return change.Value;
            }
        }

        var found = Names.Find(ns, name, _group);
        uncertain = found.Uncertain;
        return found.Value;
    }

    private bool InUse(Namespace ns, string name) => Find(ns, name, out var uncertain) is not null || uncertain;

    private static string Unknown(string what, string name, bool uncertain) => uncertain
        ? $"{what} \"{name}\" cannot be used through the gateway: the server has not confirmed what it holds (a change to it is still unanswered, or a rollback may have removed it)"
        : $"{what} \"{name}\" does not exist";

    /// <summary>
    /// The server keys prepared statements and portals by their first 63 bytes (NAMEDATALEN - 1):
    /// two longer names that share them are one name to it and two to a comparison of whole
    /// names. The gateway takes no such name rather than imitate the truncation.
    /// </summary>
    private static StatementRequest? TooLong(string name) =>
        System.Text.Encoding.UTF8.GetByteCount(name) <= MaxNameBytes ? null
        : Refused(Empty($"-- a prepared statement or portal name of {System.Text.Encoding.UTF8.GetByteCount(name)} bytes"), "names:too-long", "42622",
            $"prepared statement and portal names longer than {MaxNameBytes} bytes are not accepted through the gateway (the server reads only their first {MaxNameBytes})");

    private const int MaxNameBytes = 63;

    // A Describe or Close with an unknown kind: PostgreSQL answers it with an error and goes on (the batch is refused, the session stays).
    private bool UnknownKind(string message, Frame frame)
    {
        if (!StatementOrPortalName.HasUnknownKind(frame.Payload, out var kind))
        {
            return false;
        }

        _requests.Add(Refused(Empty($"-- {message} message of subtype {kind}"), "protocol:subtype", "08P01", $"invalid {message} message subtype {kind}"));
        return true;
    }

    /// <summary>Requests went upstream whose replies have not all come back.</summary>
    private bool Unanswered => replies.ExpectedCount > replies.AnsweredCount;

    /// <summary>
    /// A statement whose text the server could read differently from the gateway: an earlier one,
    /// not answered yet, may have changed client_encoding, standard_conforming_strings or
    /// backslash_quote (a function, a view, a trigger can; ParameterStatus only tells afterwards).
    /// </summary>
    private static StatementRequest Unsettled(StatementInfo statement) => Refused(statement, "parser:unsettled", "55000",
        "statement refused: statements sent before it are not answered yet, and one of them could change how the server reads this " +
        "statement's text (it has non-ASCII characters or backslashes); send it once they are answered");

    private static StatementRequest Refused(StatementInfo statement, string rule, string sqlState, string message) =>
        new(statement, StatementPhase.Execute, []) { Refusal = new RequestRefusal(rule, sqlState, message) };

    private static StatementInfo Empty(string sql) => new() { Kind = StatementKind.Other, Kinds = [StatementKind.Other], Sql = sql };

    /// <summary>
    /// A Parse of text that holds no statement (empty, or only comments): its Execute answers
    /// EmptyQueryResponse and runs nothing, so it is read-only. pgJDBC's <c>isValid()</c> sends
    /// one; refused as a write, a read-only user's pool would throw every connection away.
    /// </summary>
    private static StatementInfo NoStatement(string sql) => Empty(sql) with { ReadOnlyCommand = true };

    private void MarkExecuted(StatementInfo runs)
    {
        for (var i = 0; i < _parsed.Count; i++)
        {
            if (_parsed[i].Statements.Contains(runs))
            {
                _parsed[i] = (_parsed[i].Statements, true);
            }
        }
    }

    /// <summary>The batch went upstream: its name changes are expected now, confirmed as the server answers.</summary>
    private void ForwardBatchNames(long[] sequences)
    {
        if (_changes.Count > 0)
        {
            Names.Forwarded(_changes.Select(c => c.Request < 0 || c.Request >= sequences.Length ? c.Change : c.Change with { Sequence = sequences[c.Request] })
                .ToArray(), _group);
            _changes.Clear();
        }
    }

    /// <summary>The batch was refused: none of its name changes happen.</summary>
    private void ForgetBatchNames() => _changes.Clear();
}
