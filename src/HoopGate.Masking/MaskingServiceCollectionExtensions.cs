using HoopGate.Masking.Catalog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HoopGate.Masking;

/// <summary>Registers masking.</summary>
public static class MaskingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="MaskingOptions"/> and the <see cref="PseudonymKey"/>. The <see cref="CatalogCache"/> needs a data
    /// source per database, which the gateway registers (it owns the upstream credentials).
    /// </summary>
    public static IServiceCollection AddMasking(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MaskingOptions>().Bind(configuration.GetSection(MaskingOptions.SectionName));
        services.TryAddSingleton<PseudonymKey>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
