using System.CommandLine;
using System.Runtime.InteropServices;
using HoopGate.Cli;
using HoopGate.Demo;
using HoopGate.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HoopGate;

/// <summary>The <c>hoopgate</c> command line.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var configOption = new Option<FileInfo>("--config", "-c")
        {
            Description = "The configuration file (JSON); environment variables such as HoopGate__Upstream__Password override it",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(AppContext.BaseDirectory, "config", "hoopgate.json")),
        };
        var jsonLogsOption = new Option<bool>("--log-json") { Description = "Write logs as compact JSON (one event per line)" };

        var run = new Command("run", "Run the gateway until SIGTERM or Ctrl-C") { configOption, jsonLogsOption };
        run.SetAction(async (parse, cancellationToken) =>
        {
            FileInfo config = parse.GetValue(configOption)!;
            if (!config.Exists)
            {
                await Console.Error.WriteLineAsync("hoopgate: configuration file " + config.FullName + " does not exist");
                return 2;
            }

            using IHost host = GatewayHost.CreateBuilder(config.FullName, jsonLogs: parse.GetValue(jsonLogsOption)).Build();
            try
            {
                await host.RunAsync(cancellationToken);
                return 0;
            }
            catch (Exception ex) when (ValidationFailures(ex) is { } failures)
            {
                await WriteValidationErrorsAsync(config, failures);
                return 1;
            }
            catch (HoopGate.Sql.SqlParserUnavailableException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + ex.Message);
                return 1;
            }
        });

        var check = new Command("check-config", "Validate a configuration file and report every problem") { configOption };
        check.SetAction(async (parse, _) =>
        {
            FileInfo config = parse.GetValue(configOption)!;
            if (!config.Exists)
            {
                await Console.Error.WriteLineAsync("hoopgate: configuration file " + config.FullName + " does not exist");
                return 2;
            }

            try
            {
                using IHost host = GatewayHost.CreateBuilder(config.FullName).Build();
                host.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            catch (Exception ex) when (ValidationFailures(ex) is { } failures)
            {
                await WriteValidationErrorsAsync(config, failures);
                return 1;
            }
            catch (InvalidDataException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + config.FullName + " is not valid JSON: " + ex.Message);
                return 1;
            }

            await Console.Out.WriteLineAsync("hoopgate: " + config.FullName + " is valid");
            return 0;
        });

        var root = new RootCommand("HoopGate: a PostgreSQL gateway that authenticates, audits and masks every session") { run, check, PolicyCommand.Create(), AuditCommand.Create(configOption), ApprovalsCommand.Create(configOption), DemoCommand.Create(), ProbeCommand.Create(), SampleDataCommand.Create(), CreateDevIssuerCommand(), CreateDevTokenCommand() };
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary><c>hoopgate dev-issuer</c>: runs the development OIDC issuer on loopback until Ctrl-C or SIGTERM.</summary>
    private static Command CreateDevIssuerCommand()
    {
        var portOption = new Option<int>("--port") { Description = "The loopback port to listen on; 0 picks a free one", DefaultValueFactory = _ => 0 };
        var keyFileOption = new Option<FileInfo?>("--key-file")
        {
            Description = "PEM RSA private key that signs tokens; created (mode 0600) if missing; without it the key lives only as long as the issuer",
        };
        var audienceOption = new Option<string>("--audience")
        {
            Description = "The default aud of tokens",
            DefaultValueFactory = _ => new DevelopmentIssuerOptions().Audience,
        };

        var userOption = new Option<string[]>("--user")
        {
            Description = "A person the login page (/authorize, for the compliance console) offers: SUB or SUB:GROUP,GROUP…; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var clientOption = new Option<string[]>("--client-id")
        {
            Description = "A client id the login page serves; repeatable; default hoopgate-console",
        };

        var command = new Command("dev-issuer", "Serve a development OIDC discovery document and JWKS on 127.0.0.1 (development and tests only)")
        {
            portOption, keyFileOption, audienceOption, userOption, clientOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await WriteDevelopmentWarningAsync();

            // Stop cleanly (exit code 0) on SIGTERM as well as Ctrl-C, so scripts can `kill` the issuer and `wait` for it.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            var users = new List<DevelopmentUser>();
            foreach (string user in parse.GetValue(userOption) ?? [])
            {
                string[] parts = user.Split(':', 2);
                if (parts[0].Trim().Length == 0)
                {
                    await Console.Error.WriteLineAsync("hoopgate: --user needs a subject: SUB or SUB:GROUP,GROUP…, not '" + user + "'");
                    return 2;
                }

                string[] groups = parts.Length > 1 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
                users.Add(new DevelopmentUser(parts[0].Trim(), parts[0].Trim(), null, groups));
            }

            var options = new DevelopmentIssuerOptions
            {
                Port = parse.GetValue(portOption),
                KeyFile = parse.GetValue(keyFileOption)?.FullName,
                Audience = parse.GetValue(audienceOption)!,
                Users = users,
            };
            if (parse.GetValue(clientOption) is { Length: > 0 } clients)
            {
                options.ClientIds = clients;
            }

            DevelopmentIssuer issuer;
            try
            {
                issuer = await DevelopmentIssuer.StartAsync(options, cancellationToken);
            }
            catch (Exception ex) when (DevelopmentExitCode(ex) is int code)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + ex.Message);
                return code;
            }

            await using (issuer)
            {
                await Console.Out.WriteLineAsync("issuer: " + issuer.Issuer);
                await Console.Out.WriteLineAsync("discovery: " + issuer.DiscoveryUrl);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Ctrl-C or SIGTERM: a normal stop.
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary><c>hoopgate dev-token</c>: prints one token signed with a development issuer's key file.</summary>
    private static Command CreateDevTokenCommand()
    {
        var issuerOption = new Option<string>("--issuer") { Description = "The iss claim: the URL that hoopgate dev-issuer printed", Required = true };
        var keyFileOption = new Option<FileInfo>("--key-file") { Description = "The key file the issuer was started with", Required = true };
        var subjectOption = new Option<string>("--sub") { Description = "The sub claim", Required = true };
        var groupsOption = new Option<string?>("--groups") { Description = "Comma-separated groups (the groups claim)" };
        var lifetimeOption = new Option<TimeSpan>("--ttl")
        {
            Description = "How long the token is valid: 90s, 10m, 2h, 1d or 00:10:00",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (DurationText.TryParse(text, out TimeSpan lifetime))
                {
                    return lifetime;
                }

                result.AddError("--ttl: '" + text + "' is not a positive duration such as 90s, 10m, 2h or 00:10:00");
                return default;
            },
        };
        var clientIdOption = new Option<string?>("--client-id") { Description = "A machine identity: sets azp and client_id (no email)" };
        var emailOption = new Option<string?>("--email") { Description = "The email claim of a person" };
        var audienceOption = new Option<string>("--audience")
        {
            Description = "The aud claim",
            DefaultValueFactory = _ => new DevelopmentIssuerOptions().Audience,
        };

        var command = new Command("dev-token", "Print a token signed with a development issuer's key file (development and tests only)")
        {
            issuerOption, keyFileOption, subjectOption, groupsOption, lifetimeOption, clientIdOption, emailOption, audienceOption,
        };
        command.SetAction(async (parse, _) =>
        {
            await WriteDevelopmentWarningAsync();
            string issuer = parse.GetValue(issuerOption)!;
            if (!Uri.TryCreate(issuer, UriKind.Absolute, out Uri? issuerUri) || (issuerUri.Scheme != Uri.UriSchemeHttp && issuerUri.Scheme != Uri.UriSchemeHttps))
            {
                await Console.Error.WriteLineAsync("hoopgate: --issuer must be an absolute http URL such as the one hoopgate dev-issuer printed");
                return 2;
            }

            FileInfo keyFile = parse.GetValue(keyFileOption)!;
            if (!keyFile.Exists)
            {
                await Console.Error.WriteLineAsync("hoopgate: key file " + keyFile.FullName + " does not exist; start hoopgate dev-issuer --key-file with it first");
                return 2;
            }

            if (parse.GetValue(clientIdOption) is not null && parse.GetValue(emailOption) is not null)
            {
                await Console.Error.WriteLineAsync("hoopgate: a machine identity (--client-id) carries no --email; give one or the other");
                return 2;
            }

            var request = new DevelopmentTokenRequest
            {
                Subject = parse.GetValue(subjectOption)!,
                Groups = (parse.GetValue(groupsOption) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Lifetime = parse.GetValue(lifetimeOption),
                ClientId = parse.GetValue(clientIdOption),
                Email = parse.GetValue(emailOption),
            };
            try
            {
                DevelopmentSigningKey key = DevelopmentSigningKey.Load(keyFile.FullName);
                await Console.Out.WriteLineAsync(key.CreateToken(issuer, parse.GetValue(audienceOption)!, request));
                return 0;
            }
            catch (Exception ex) when (DevelopmentExitCode(ex) is int code)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + ex.Message);
                return code;
            }
        });
        return command;
    }

    /// <summary>Exit codes of the development verbs: 2 for bad input, 1 for an unusable key file; other exceptions are bugs.</summary>
    private static int? DevelopmentExitCode(Exception exception) => exception switch
    {
        ArgumentException => 2,
        InvalidDataException or IOException or UnauthorizedAccessException => 1,
        _ => null,
    };

    private static Task WriteDevelopmentWarningAsync() => Console.Error.WriteLineAsync(
        "hoopgate: warning: the development issuer mints tokens for any identity without authenticating anyone; "
        + "use it for development and tests only and never configure production to trust it");

    /// <summary>Every validation failure, whether one options type failed or several (an AggregateException).</summary>
    private static List<string>? ValidationFailures(Exception exception)
    {
        var failures = new List<string>();
        IEnumerable<Exception> inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : [exception];
        foreach (Exception ex in inner)
        {
            if (ex is not OptionsValidationException validation)
            {
                return null;
            }

            failures.AddRange(validation.Failures);
        }

        return failures;
    }

    private static async Task WriteValidationErrorsAsync(FileInfo config, List<string> failures)
    {
        await Console.Error.WriteLineAsync("hoopgate: " + config.FullName + " is not valid:");
        foreach (string failure in failures)
        {
            await Console.Error.WriteLineAsync("  - " + failure);
        }
    }
}
