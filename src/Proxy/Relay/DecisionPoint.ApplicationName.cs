using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Keeping application_name upstream on the identity (<see cref="Upstream.UpstreamApplicationName"/>).
/// A client may still SET it: the server's ParameterStatus shows the client its value, and the
/// gateway sends its own SET right behind the client's request, whose replies never reach the
/// client. So the SET must end its request (a Query, or the statements up to Sync): nothing of the
/// client's runs upstream under the client's name. Every other way to change it is a built-in
/// rule's refusal (<c>default:application-name</c>).
/// </summary>
internal sealed partial class DecisionPoint
{
    private const string ApplicationNameRule = "default:application-name";

    /// <summary>The session's application_name upstream; null when the gateway does not keep one.</summary>
    public string? UpstreamApplicationName { get; init; }

    /// <summary>The client's own application_name (its startup value): what RESET brings back for the client.</summary>
    public string ClientApplicationName { get; init; } = string.Empty;

    // RESET application_name, SET … TO DEFAULT, RESET ALL, DISCARD ALL: back to the session's default.
    private static bool ResetsApplicationName(StatementRequest request) =>
        request.Phase != StatementPhase.Prepare && request.Refusal is null
        && (request.Statement is { Command: "VariableSetStmt" } && request.Statement.SettingChanges.Any(c => c.IsReset && c.Name is "application_name" or "all")
            || request.Statement is { Command: "DiscardStmt", ObjectName: "ALL" });

    /// <summary>
    /// Upstream, a RESET leaves the value where the gateway keeps it, so the server reports no
    /// change; the client is told its own default before the request's ReadyForQuery instead.
    /// </summary>
    private byte[]? ClientDefaultAfterReset(IReadOnlyList<StatementRequest> requests)
    {
        if (UpstreamApplicationName is null || !requests.Any(ResetsApplicationName))
        {
            return null;
        }

        using var builder = new MessageBuilder();
        return builder.ParameterStatus("application_name", ClientApplicationName).ToArray();
    }

    // A Parse the batch does not execute runs nothing; RESET goes back to the startup value, the gateway's.
    private static bool SetsApplicationName(StatementRequest request) =>
        request.Phase != StatementPhase.Prepare && request.Refusal is null
        && request.Statement is { Command: "VariableSetStmt", Setting: "application_name" }
        && request.Statement.SettingChanges.Any(c => c.Name == "application_name" && !c.IsReset);

    /// <summary>
    /// A SET application_name that does not end a request the gateway can follow with its own
    /// SET is refused (the whole request is, all or nothing).
    /// </summary>
    private IReadOnlyList<StatementRequest> RefuseUnfollowedApplicationNames(IReadOnlyList<StatementRequest> requests, bool endsRequest)
    {
        if (UpstreamApplicationName is null)
        {
            return requests;
        }

        var lastRunning = -1;
        for (var i = 0; i < requests.Count; i++)
        {
            lastRunning = requests[i].Phase == StatementPhase.Prepare ? lastRunning : i;
        }

        List<StatementRequest>? refused = null;
        for (var i = 0; i < requests.Count; i++)
        {
            if (SetsApplicationName(requests[i]) && (i != lastRunning || !endsRequest))
            {
                refused ??= [.. requests];
                refused[i] = requests[i] with
                {
                    Refusal = new RequestRefusal(ApplicationNameRule, "42501",
                        "SET application_name must be the last statement of its query (or before Sync): the gateway keeps the upstream " +
                        "application_name on the identity and restores it right after"),
                };
            }
        }

        return refused ?? requests;
    }

    /// <summary>After a forwarded request that set application_name: the gateway's own SET, whose replies the relay drops.</summary>
    private void RestoreApplicationName(IReadOnlyList<StatementRequest> requests, PipeWriter upstream)
    {
        if (UpstreamApplicationName is null || !requests.Any(SetsApplicationName))
        {
            return;
        }

        using var builder = new MessageBuilder();
        builder.Start((byte)FrontendMessageType.Query).WriteCString(Upstream.UpstreamApplicationName.ResetStatement(UpstreamApplicationName)).Finish();
        upstream.Write(builder.WrittenSpan);
        replies.ExpectInjected();
    }
}
