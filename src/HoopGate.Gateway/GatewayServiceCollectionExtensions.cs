using HoopGate.Approvals;
using HoopGate.Audit;
using HoopGate.Auth;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Listening;
using HoopGate.Gateway.Sessions;
using HoopGate.Gateway.Upstream;
using HoopGate.Masking;
using HoopGate.Masking.Catalog;
using HoopGate.Policy;
using HoopGate.Sql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway;

/// <summary>Registers the gateway with a host.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the listener (as a hosted service), the server connector, the cancel registry and the authenticator,
    /// with their options bound from <c>HoopGate:*</c> and validated at start.
    /// </summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName))
            .PostConfigure(o =>
            {
                if (o.AllowedStartupParameters.Count == 0)
                {
                    o.AllowedStartupParameters.AddRange(GatewayOptions.DefaultAllowedStartupParameters);
                }
            })
            .ValidateOnStart();
        services.AddOptions<UpstreamOptions>().Bind(configuration.GetSection(UpstreamOptions.SectionName)).ValidateOnStart();
        services.AddOptions<AuthenticationOptions>().Bind(configuration.GetSection(AuthenticationOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthenticationOptions>, AuthenticationOptionsValidator>());

        services.AddOptions<List<GrantOptions>>().Bind(configuration.GetSection("HoopGate:Grants")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<List<GrantOptions>>, GrantOptionsValidator>());
        if (string.Equals(configuration["HoopGate:Authentication:Mode"], "Oidc", StringComparison.OrdinalIgnoreCase))
        {
            services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.SectionName)).PostConfigure(o => o.ApplyDefaults()).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>());
            services.TryAddSingleton<TokenValidator>();
            services.TryAddSingleton<IClientAuthenticator, OidcAuthenticator>();
        }
        else
        {
            services.TryAddSingleton<IClientAuthenticator, StaticAuthenticator>();
        }

        services.AddPolicy(configuration);
        services.AddAudit(configuration);
        services.AddApprovals(configuration);
        services.AddMasking(configuration);
        services.TryAddSingleton<CatalogDataSources>();
        services.TryAddSingleton(sp => new CatalogCache(
            sp.GetRequiredService<CatalogDataSources>().For,
            sp.GetRequiredService<IOptions<MaskingOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<CatalogCache>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditRequirementValidator>());
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<LoggingAuthenticationEvents>();
        services.TryAddSingleton<IAuthenticationEvents>(sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value.Mode == AuditMode.Off
            ? sp.GetRequiredService<LoggingAuthenticationEvents>()
            : new AuditingAuthenticationEvents(sp.GetRequiredService<LoggingAuthenticationEvents>(), sp.GetRequiredService<AuditSpool>()));
        services.TryAddSingleton<ServerConnector>();
        services.TryAddSingleton<ServerSessionPool>();
        services.TryAddSingleton<CancelRegistry>();
        services.TryAddSingleton<ConnectionLimiter>();
        services.TryAddSingleton(sp => new GatewayListener(
            sp.GetRequiredService<IOptions<GatewayOptions>>(),
            sp.GetRequiredService<ConnectionLimiter>(),
            sp.GetRequiredService<IClientAuthenticator>(),
            sp.GetRequiredService<ServerConnector>(),
            sp.GetRequiredService<ServerSessionPool>(),
            sp.GetRequiredService<CancelRegistry>(),
            sp.GetRequiredService<IAuthenticationEvents>(),
            sp.GetRequiredService<PolicyProvider>(),
            sp.GetRequiredService<SqlAnalysisCache>(),
            sp.GetRequiredService<IOptions<AuditOptions>>().Value,
            sp.GetRequiredService<IOptions<AuditOptions>>().Value.Mode == AuditMode.Off ? null : sp.GetRequiredService<AuditSpool>(),
            sp.GetRequiredService<IOptions<AuditOptions>>().Value.Mode == AuditMode.Off ? null : sp.GetRequiredService<AuditParameterHasher>(),
            sp.GetRequiredService<CatalogCache>(),
            sp.GetRequiredService<PseudonymKey>(),
            ApprovalsFor(sp),
            sp.GetRequiredService<GatewayMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<GatewayListener>());
        return services;
    }

    /// <summary>
    /// Approvals run where their requests can be kept and their steps audited: enabled, with an audit store and audit on.
    /// Otherwise there is no coordinator, and review rules refuse their statements.
    /// </summary>
    private static ApprovalCoordinator? ApprovalsFor(IServiceProvider services)
    {
        AuditOptions audit = services.GetRequiredService<IOptions<AuditOptions>>().Value;
        bool enabled = services.GetRequiredService<IOptions<ApprovalOptions>>().Value.Enabled
            && audit.Mode != AuditMode.Off
            && !string.IsNullOrEmpty(audit.ConnectionString);
        return enabled ? services.GetRequiredService<ApprovalCoordinator>() : null;
    }
}
