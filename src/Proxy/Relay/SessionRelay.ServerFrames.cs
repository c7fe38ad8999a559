using System.Buffers;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>The server frames the relay rewrites: ParameterStatus (the upstream role and application_name) and errors or notices quoting a credential.</summary>
public sealed partial class SessionRelay
{
    /// <summary>
    /// Tracks state from a server frame; returns replacement bytes when the frame must be
    /// rewritten, or names why it cannot be relayed at all in <paramref name="malformed"/>.
    /// </summary>
    private byte[]? Inspect(BackendMessageType type, in Frame frame, out string? malformed)
    {
        malformed = null;
        switch (type)
        {
            case BackendMessageType.ReadyForQuery:
                // Read the status byte in place: this runs once per statement, so no decoding object.
                var payload = frame.Payload;
                Span<byte> status = stackalloc byte[1];
                if (payload.Length == 1)
                {
                    payload.CopyTo(status);
                    if (status[0] is (byte)'I' or (byte)'T' or (byte)'E')
                    {
                        _status = (TransactionStatus)status[0];
                    }
                }

                return null;
            case BackendMessageType.ParameterStatus:
                return RewriteParameterStatus(frame, out malformed);
            case BackendMessageType.ErrorResponse or BackendMessageType.NoticeResponse:
                // Decoded only when a credential may be in it, so the usual error costs one byte search.
                return _scrubber.MayContainSecret(frame.Payload) ? ScrubErrorOrNotice(type, frame, out malformed) : null;
            default:
                return null;
        }
    }

    // session_authorization reports the upstream role; the client is told its own identity instead.
    private byte[]? RewriteParameterStatus(in Frame frame, out string? malformed)
    {
        malformed = null;
        if (!ParameterStatus.TryDecode(frame.Payload, out var parameter))
        {
            malformed = "malformed ParameterStatus";
            return null;
        }

        if (!Startup.SqlReadingSettings.IsSafe(parameter.Name, parameter.Value))
        {
            // Fail closed: from here on the server would read statements differently from the gateway.
            malformed = $"the server switched {parameter.Name} to {parameter.Value}, under which the gateway cannot read SQL as the server does";
            return null;
        }

        string value;
        if (string.Equals(parameter.Name, "session_authorization", StringComparison.OrdinalIgnoreCase))
        {
            value = _identityName;
        }
        else if (ApplicationNames is var (upstreamName, clientName) && parameter.Name == "application_name" && parameter.Value == upstreamName)
        {
            // Back to the session's default (RESET, DISCARD ALL): the client's default is its own name.
            value = clientName;
        }
        else if (_scrubber.MayContainSecret(frame.Payload))
        {
            value = _scrubber.Scrub(parameter.Value);
        }
        else
        {
            return null;
        }

        using var builder = new MessageBuilder();
        return builder.ParameterStatus(parameter.Name, value).ToArray();
    }

    private byte[]? ScrubErrorOrNotice(BackendMessageType type, in Frame frame, out string? malformed)
    {
        malformed = null;
        if (!ErrorResponse.TryDecode(frame.Payload, out var error))
        {
            malformed = type == BackendMessageType.ErrorResponse ? "malformed ErrorResponse" : "malformed NoticeResponse";
            return null;
        }

        var fields = error.Fields.Select(f => new KeyValuePair<char, string>(f.Key, _scrubber.Scrub(f.Value))).ToList();
        using var builder = new MessageBuilder();
        return builder.ErrorOrNotice(type, new ErrorResponse(fields)).ToArray();
    }
}
