using HoopGate.Sql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HoopGate.Policy;

/// <summary>Registers the policy with a host.</summary>
public static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Adds SQL analysis, <see cref="PolicyOptions"/> from <c>HoopGate:Policy</c> (validated at start: the file must load),
    /// and the <see cref="PolicyProvider"/>, which also runs as a hosted service to reload the file.
    /// </summary>
    public static IServiceCollection AddPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSql(configuration);
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.TryAddSingleton<PolicyProvider>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyProvider>());
        return services;
    }
}
