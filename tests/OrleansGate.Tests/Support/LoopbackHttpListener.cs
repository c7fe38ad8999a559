using System.Net;
using System.Net.Sockets;

namespace OrleansGate.Tests.Support;

/// <summary>
/// An HTTP endpoint the test runs on a free loopback port (HttpListener), handing each request to
/// <c>handle</c> one after another: a webhook receiver, an OIDC issuer.
/// </summary>
public sealed class LoopbackHttpListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    /// <param name="path">The path prefix served, with its trailing slash ("/" for everything).</param>
    /// <param name="handle">Answers one request; the listener closes the response after it.</param>
    public LoopbackHttpListener(string path, Func<HttpListenerContext, Task> handle)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}{path}";
        }

        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                await handle(context);
                context.Response.Close();
            }
        });
    }

    /// <summary>The URL served (scheme, loopback address, port and path).</summary>
    public string Url { get; }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
