using System.Globalization;
using System.Net;

namespace OrleansGate.Proxy.Configuration;

/// <summary>Parses listen addresses of the form <c>host:port</c>, <c>[v6]:port</c> or <c>*:port</c>.</summary>
public static class ListenAddress
{
    public static bool TryParse(string? text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var hasPort = text.StartsWith('[') ? text.Contains("]:", StringComparison.Ordinal) : text.Count(c => c == ':') == 1;
        if (hasPort && IPEndPoint.TryParse(text, out var parsed))
        {
            endPoint = parsed;
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ||
            port > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (host is "*")
        {
            endPoint = new IPEndPoint(IPAddress.IPv6Any, port);
            return true;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }

        return false;
    }
}
