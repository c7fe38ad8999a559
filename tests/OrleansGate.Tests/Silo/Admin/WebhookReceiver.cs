using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>A local HTTP endpoint (HttpListener) that records every POST and answers with the next planned status (200 when none).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _statuses = new();
    private readonly Task _loop;

    public WebhookReceiver(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }

        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/hooks/approvals/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>Where a 3xx answer points (its Location header).</summary>
    public string? RedirectTo { get; init; }

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    public sealed record Delivery(string Body, string? Signature, string? Event, string? ContentType, int AnsweredWith);

    /// <summary>The first <paramref name="count"/> deliveries, waiting up to 20 s for them.</summary>
    public async Task<List<Delivery>> WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Deliveries.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return Deliveries.Take(count).ToList();
    }

    private async Task LoopAsync()
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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var status = _statuses.TryDequeue(out var planned) ? planned : 200;
            Deliveries.Enqueue(new Delivery(body, context.Request.Headers["X-OrleansGate-Signature"], context.Request.Headers["X-OrleansGate-Event"],
                context.Request.ContentType, status));
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400 && RedirectTo is not null)
            {
                context.Response.RedirectLocation = RedirectTo;
            }

            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
