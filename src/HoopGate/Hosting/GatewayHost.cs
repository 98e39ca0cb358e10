using HoopGate.Gateway;
using HoopGate.Gateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace HoopGate.Hosting;

/// <summary>
/// Builds the gateway's host: configuration (JSON file, then environment variables such as
/// <c>HoopGate__Upstream__Password</c>, then explicit overrides), Serilog, and the gateway services.
/// The executable and the test fixture build it the same way.
/// </summary>
public static class GatewayHost
{
    /// <summary>Creates a host builder.</summary>
    /// <param name="configPath">A JSON configuration file, or <see langword="null"/>.</param>
    /// <param name="overrides">Settings that win over the file and the environment (tests use these).</param>
    /// <param name="jsonLogs">Write logs as compact JSON instead of text.</param>
    public static HostApplicationBuilder CreateBuilder(string? configPath, IDictionary<string, string?>? overrides = null, bool jsonLogs = false)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        string? configDirectory = configPath is null ? null : Path.GetDirectoryName(Path.GetFullPath(configPath));
        if (configPath is not null)
        {
            // The policy file sits beside the configuration unless the configuration says otherwise.
            builder.Configuration.AddInMemoryCollection([new("HoopGate:Policy:Path", "policy.yaml")]);
            builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        ResolvePolicyPath(builder.Configuration, configDirectory);
        ConfigureSocketCompletions(builder.Configuration);
        ConfigureLogging(builder, jsonLogs || builder.Configuration.GetValue<bool>("HoopGate:Logging:Json"));
        builder.Services.AddGateway(builder.Configuration);
        AddAdmin(builder.Services, builder.Configuration);

        // Under systemd (Type=notify) the host reports READY once the listener is up and STOPPING on shutdown.
        builder.Services.AddSystemd();

        double drain = builder.Configuration.GetValue("HoopGate:Gateway:ShutdownTimeoutSeconds", new GatewayOptions().ShutdownTimeoutSeconds);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(drain + 15));
        return builder;
    }

    /// <summary>The admin HTTP API (<c>HoopGate:Admin</c>), started with the host when enabled.</summary>
    private static void AddAdmin(IServiceCollection services, ConfigurationManager configuration)
    {
        services.AddOptions<Admin.AdminOptions>().Bind(configuration.GetSection(Admin.AdminOptions.SectionName))
            .PostConfigure(o =>
            {
                if (o.AdminGroups.Count == 0)
                {
                    o.AdminGroups.AddRange(Admin.AdminOptions.DefaultAdminGroups);
                }

                if (o.Console.AuditorGroups.Count == 0)
                {
                    o.Console.AuditorGroups.AddRange(Admin.ConsoleOptions.DefaultAuditorGroups);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<Admin.AdminOptions>, Admin.AdminOptionsValidator>());
        services.TryAddSingleton<Admin.AdminServer>();
        if (configuration.GetValue<bool>(Admin.AdminOptions.SectionName + ":Enabled"))
        {
            services.AddHostedService(sp => sp.GetRequiredService<Admin.AdminServer>());
        }
    }

    /// <summary>
    /// Runs socket completions on the runtime's event thread instead of posting each one to the thread pool
    /// (<c>HoopGate:Gateway:InlineSocketCompletions</c>, default true). The relay does a few microseconds of work per
    /// read and never blocks, so the hop costs more than the work: docs/benchmarks.md has the figures. The runtime
    /// reads the switch once, when the first socket is created, so it is set here, before the host starts; an
    /// explicit DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS in the environment wins.
    /// </summary>
    private static void ConfigureSocketCompletions(IConfiguration configuration)
    {
        const string Inline = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        const string Threads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";
        if (!configuration.GetValue("HoopGate:Gateway:InlineSocketCompletions", true))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(Inline) is null)
        {
            Environment.SetEnvironmentVariable(Inline, "1");
        }

        // With inline completions each event thread does the relaying; fewer threads wake less often and
        // handle more events per wake-up (one thread: +19 % TPS for pgbench -S -c 1 on 2 cores, docs/benchmarks.md).
        int threads = configuration.GetValue("HoopGate:Gateway:SocketEventThreads", 0);
        if (threads <= 0)
        {
            threads = Math.Max(1, Environment.ProcessorCount / 4);
        }

        if (Environment.GetEnvironmentVariable(Threads) is null)
        {
            Environment.SetEnvironmentVariable(Threads, threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A relative policy path is relative to the configuration file, as a DBA reading the file expects.</summary>
    private static void ResolvePolicyPath(ConfigurationManager configuration, string? configDirectory)
    {
        string? path = configuration["HoopGate:Policy:Path"];
        if (configDirectory is not null && !string.IsNullOrEmpty(path) && !Path.IsPathRooted(path))
        {
            configuration.AddInMemoryCollection([new("HoopGate:Policy:Path", Path.Combine(configDirectory, path))]);
        }
    }

    private static void ConfigureLogging(HostApplicationBuilder builder, bool json)
    {
        LogEventLevel level = builder.Configuration.GetValue("HoopGate:Logging:Level", LogEventLevel.Information);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        configuration = json
            ? configuration.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            : configuration.WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {ConnectionId} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        builder.Services.AddSerilog(configuration.CreateLogger(), dispose: true);
    }
}
