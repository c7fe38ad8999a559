using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Approvals;
using OrleansGate.Silo.Admin.Webhook;

namespace OrleansGate.Silo.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// The admin API and the approvals webhook, options validated at start-up. Call after the
    /// silo is added: the API starts after it. <see cref="IApprovalNotifier"/> is always
    /// registered (it does nothing without a webhook URL), so the approval grain can call it.
    /// </summary>
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section)).PostConfigure(o => o.ApplyDefaults()).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>>(new AdminOptionsValidator(configuration));
        services.AddSingleton<ApiTokenAuthenticator>();
        services.AddSingleton<WebhookNotifier>();
        services.AddSingleton<IApprovalNotifier>(sp => sp.GetRequiredService<WebhookNotifier>());
        services.AddHostedService(sp => sp.GetRequiredService<WebhookNotifier>());
        services.AddSingleton<AdminServer>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminServer>());
        return services;
    }
}
