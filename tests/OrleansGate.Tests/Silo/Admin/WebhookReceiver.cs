using System.Collections.Concurrent;
using System.Net;
using System.Text;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>A local HTTP endpoint (HttpListener) that records every POST and answers with the next planned status (200 when none).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly ConcurrentQueue<int> _statuses = new();
    private readonly LoopbackHttpListener _listener;

    public WebhookReceiver(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }

        _listener = new LoopbackHttpListener("/hooks/approvals/", ReceiveAsync);
    }

    public string Url => _listener.Url;

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

    private async Task ReceiveAsync(HttpListenerContext context)
    {
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
    }

    public void Dispose() => _listener.Dispose();
}
