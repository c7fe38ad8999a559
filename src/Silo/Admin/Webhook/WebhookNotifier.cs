using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin.Webhook;

/// <summary>
/// The <see cref="IApprovalNotifier"/> of the silo: <see cref="NotifyAsync"/> only enqueues; a
/// background loop POSTs each event (in order) to <c>OrleansGate:Admin:Webhook:Url</c>, retrying
/// a failed delivery with exponential backoff up to <see cref="WebhookOptions.Attempts"/> times.
/// Failures are logged with the URL's host and path only (its query may hold a credential) and
/// never the secret. Without a URL it does nothing.
/// </summary>
public sealed partial class WebhookNotifier : BackgroundService, IApprovalNotifier
{
    public const string EventHeader = "X-OrleansGate-Event";
    public const int QueueCapacity = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookNotifier> _logger;
    private readonly Channel<ApprovalEvent> _queue =
        Channel.CreateBounded<ApprovalEvent>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HttpClient _http;

    public WebhookNotifier(IOptions<AdminOptions> options, ILogger<WebhookNotifier> logger)
    {
        _options = options.Value.Webhook;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // A redirect would carry the signed body (and its signature) to wherever the answer points.
            AllowAutoRedirect = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Task NotifyAsync(ApprovalEvent approvalEvent)
    {
        ArgumentNullException.ThrowIfNull(approvalEvent);
        if (_options.Enabled && !_queue.Writer.TryWrite(approvalEvent))
        {
            LogQueueFull(_logger, approvalEvent.Event, approvalEvent.Id);
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var url = new Uri(_options.Url!);
        var shown = url.GetLeftPart(UriPartial.Path);
        try
        {
            await foreach (var approvalEvent in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await DeliverAsync(url, shown, approvalEvent, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (_queue.Reader.Count > 0)
            {
                LogUndelivered(_logger, _queue.Reader.Count);
            }
        }
    }

    private async Task DeliverAsync(Uri url, string shown, ApprovalEvent approvalEvent, CancellationToken stoppingToken)
    {
        var body = _options.Format == WebhookFormat.Slack
            ? JsonSerializer.SerializeToUtf8Bytes(Slack.SlackMessage.For(approvalEvent))
            : JsonSerializer.SerializeToUtf8Bytes(approvalEvent, Json);
        var signature = string.IsNullOrEmpty(_options.Secret) ? null : WebhookSignature.Compute(_options.Secret, body);
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                attemptTimeout.CancelAfter(_options.Timeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Add(EventHeader, approvalEvent.Event);
                if (signature is not null)
                {
                    request.Headers.Add(WebhookSignature.Header, signature);
                }

                using var response = await _http.SendAsync(request, attemptTimeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                failure = e is OperationCanceledException ? $"no answer within {_options.Timeout}" : e.Message;
            }

            if (attempt >= _options.Attempts)
            {
                LogGaveUp(_logger, approvalEvent.Event, approvalEvent.Id, shown, attempt, failure);
                return;
            }

            var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
            LogRetrying(_logger, approvalEvent.Event, approvalEvent.Id, shown, attempt, failure, delay);
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Url}: {Event} of {Approval} failed (attempt {Attempt}: {Failure}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string @event, string approval, string url, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Url}: {Event} of {Approval} not delivered after {Attempt} attempts (last: {Failure})")]
    private static partial void LogGaveUp(ILogger logger, string @event, string approval, string url, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook queue full ({Capacity} events): {Event} of {Approval} dropped")]
    private static partial void LogQueueFull(ILogger logger, string @event, string approval, int capacity = QueueCapacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Count} webhook events undelivered")]
    private static partial void LogUndelivered(ILogger logger, int count);
}
