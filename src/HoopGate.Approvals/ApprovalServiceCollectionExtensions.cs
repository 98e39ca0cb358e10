using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HoopGate.Approvals;

/// <summary>Registers approvals with a host.</summary>
public static class ApprovalServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ApprovalOptions"/> from <c>HoopGate:Approvals</c>, the <see cref="ReviewStore"/>, the
    /// <see cref="ReviewListener"/> and <see cref="ReviewAnnouncer"/> (hosted, so they stop with the host) and the
    /// <see cref="ApprovalCoordinator"/> sessions use. Needs the audit store (<c>AddAudit</c>).
    /// </summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ApprovalOptions>().Bind(configuration.GetSection(ApprovalOptions.SectionName))
            .PostConfigure(o =>
            {
                if (o.ApproverGroups.Count == 0)
                {
                    o.ApproverGroups.AddRange(ApprovalOptions.DefaultApproverGroups);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>());
        services.TryAddSingleton<ReviewStore>();
        services.TryAddSingleton<ReviewListener>();
        services.TryAddSingleton<ReviewAnnouncer>();
        services.TryAddSingleton<ApprovalCoordinator>();
        services.AddHostedService(sp => sp.GetRequiredService<ReviewListener>());
        services.AddHostedService(sp => sp.GetRequiredService<ReviewAnnouncer>());
        return services;
    }
}
