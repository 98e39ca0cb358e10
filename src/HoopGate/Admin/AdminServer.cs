using System.Net;
using System.Security.Cryptography.X509Certificates;
using HoopGate.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Admin;

/// <summary>
/// The admin HTTP API on its own port (ASP.NET Core minimal API on Kestrel), started with the gateway's host:
/// health, readiness, metrics and sessions (<see cref="OperationsEndpoints"/>), and approvals (<see cref="ApprovalEndpoints"/>). Callers authenticate with an OIDC
/// bearer token validated exactly as database tokens are; what they may do follows from the token's groups.
/// </summary>
public sealed partial class AdminServer : IHostedService, IAsyncDisposable
{
    private readonly AdminOptions _options;
    private readonly IServiceProvider _gateway;
    private readonly ILogger<AdminServer> _logger;
    private WebApplication? _app;

    /// <summary>Creates the server (it listens once started).</summary>
    public AdminServer(IOptions<AdminOptions> options, IServiceProvider gateway, ILogger<AdminServer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _gateway = gateway;
        _logger = logger;
    }

    /// <summary>The address it serves, such as <c>http://127.0.0.1:6433</c>, once started.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        TokenValidator tokens = _gateway.GetService<TokenValidator>()
            ?? throw new InvalidOperationException("the admin API authenticates callers with OIDC tokens: set HoopGate:Authentication:Mode to Oidc");
        var address = IPAddress.Parse(_options.ListenAddress);
        X509Certificate2? certificate = LoadCertificate();

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(address, _options.Port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, Demo.EmbeddedHostLifetime>();
        builder.Services.AddSingleton(tokens);

        // Errors of the admin host (a failed sign-in callback, an unhandled exception) go to the gateway's logs; its
        // settings hold Microsoft.* at Warning, so requests and their query strings are not logged.
        builder.Services.AddSingleton(_gateway.GetRequiredService<ILoggerFactory>());
        OidcOptions oidc = _gateway.GetRequiredService<IOptions<OidcOptions>>().Value;
        var consoleAudit = new ConsoleAudit(_gateway.GetService<Audit.AuditSpool>(), ConsoleGroups.For(oidc, _options));
        if (_options.Console.Enabled)
        {
            ConsoleSignIn.AddServices(builder.Services, _options, oidc, consoleAudit);
        }

        _app = builder.Build();
        if (_options.Console.Enabled)
        {
            ConsoleSignIn.UseMiddleware(_app, _options, oidc);
            ConsolePages.Map(_app, _gateway, _options, oidc, consoleAudit);
        }

        OperationsEndpoints.Map(_app, _gateway, tokens, _options.AdminGroups);
        ApprovalEndpoints.Map(_app, _gateway, tokens);
        await _app.StartAsync(cancellationToken);

        string bound = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(bound);
        LogListening(bound);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private X509Certificate2? LoadCertificate()
    {
        if (string.IsNullOrEmpty(_options.CertificatePath))
        {
            return null;
        }

        return X509Certificate2.CreateFromPemFile(_options.CertificatePath, string.IsNullOrEmpty(_options.KeyPath) ? null : _options.KeyPath);
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Admin API listening on {Address}")]
    private partial void LogListening(string address);
}
