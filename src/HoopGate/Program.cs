using System.CommandLine;
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

        var root = new RootCommand("HoopGate: a PostgreSQL gateway that authenticates, audits and masks every session") { run, check };
        return await root.Parse(args).InvokeAsync();
    }

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
