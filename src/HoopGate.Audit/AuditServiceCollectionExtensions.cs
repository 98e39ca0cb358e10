using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HoopGate.Audit;

/// <summary>Registers the audit trail with a host.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AuditOptions"/> from <c>HoopGate:Audit</c> (validated at start), the <see cref="AuditStore"/>, and —
    /// unless the mode is Off — the <see cref="AuditSpool"/> and the <see cref="AuditShipper"/> as a hosted service.
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddSingleton<AuditStore>();
        services.TryAddSingleton<AuditParameterHasher>();
        services.TryAddSingleton<AuditSpool>();
        services.TryAddSingleton<AuditShipper>();
        if (configuration.GetValue(AuditOptions.SectionName + ":Mode", AuditMode.Strict) != AuditMode.Off)
        {
            services.AddHostedService(sp => sp.GetRequiredService<AuditShipper>());
        }

        return services;
    }
}
