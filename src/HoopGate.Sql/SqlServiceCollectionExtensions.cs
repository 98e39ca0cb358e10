using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HoopGate.Sql;

/// <summary>Registers SQL analysis with a host.</summary>
public static class SqlServiceCollectionExtensions
{
    /// <summary>Adds <see cref="SqlAnalysisCache"/> with <see cref="SqlOptions"/> bound from <c>HoopGate:Sql</c>.</summary>
    public static IServiceCollection AddSql(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SqlOptions>().Bind(configuration.GetSection(SqlOptions.SectionName))
            .Validate(o => o.CacheEntries > 0 && o.MaxCachedLength >= 0, "HoopGate:Sql:CacheEntries must be positive and MaxCachedLength not negative")
            .ValidateOnStart();
        services.TryAddSingleton<SqlAnalysisCache>();
        return services;
    }
}
