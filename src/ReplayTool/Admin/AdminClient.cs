using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Admin;

/// <summary>
/// The admin API over HTTP. Every failure becomes a <see cref="CommandFailedException"/> with
/// one line: the API's own message (unknown id, refused, no longer pending), a refused token,
/// or an API that cannot be reached (naming the URL).
/// </summary>
public sealed class AdminClient(AdminEndpoint endpoint) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { BaseAddress = endpoint.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>GETs a path; the raw JSON body.</summary>
    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    /// <summary>POSTs a JSON body to a path; the raw JSON body of the answer.</summary>
    public Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, cancellationToken);

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Token);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new CommandFailedException($"cannot reach the admin API at {endpoint.BaseUrl}: {e.Message}");
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return Parse(text);
                }

                throw new CommandFailedException(Describe(response.StatusCode, text),
                    response.StatusCode == HttpStatusCode.BadRequest ? ExitCodes.Usage : ExitCodes.CheckFailed);
            }
        }
    }

    private JsonElement Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CommandFailedException($"the admin API at {endpoint.BaseUrl} answered something that is not JSON");
        }
    }

    private string Describe(HttpStatusCode status, string body)
    {
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                message = error.GetString();
            }
        }
        catch (JsonException)
        {
            // Not the API's error document (a proxy in between, say): report the status alone.
        }

        return status switch
        {
            HttpStatusCode.Unauthorized => $"the admin API at {endpoint.BaseUrl} refused the token ({message ?? "401"})",
            HttpStatusCode.Forbidden => $"refused: {message ?? "403"}",
            _ => message ?? $"the admin API at {endpoint.BaseUrl} answered {(int)status} {status}",
        };
    }

    public void Dispose() => _http.Dispose();
}
