using System.CommandLine;
using System.Runtime.InteropServices;
using HoopGate.Demo;

namespace HoopGate.Cli;

/// <summary><c>hoopgate demo</c>: the whole product on one machine, until Ctrl-C.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var portOption = new Option<int>("--port") { Description = "The gateway's port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 6432 };
        var adminPortOption = new Option<int>("--admin-port") { Description = "The admin API's port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 6433 };
        var patientsOption = new Option<int>("--patients") { Description = "How many fictitious patients to load", DefaultValueFactory = _ => 1000 };
        var infoOption = new Option<FileInfo?>("--info-file") { Description = "Write connection details as JSON here once everything is ready (for scripts)" };
        var command = new Command(
            "demo",
            "Run a throwaway PostgreSQL with sample clinic data, an audit database, a development OIDC issuer and the gateway; Ctrl-C removes it all")
        {
            portOption, adminPortOption, patientsOption, infoOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int patients = parse.GetValue(patientsOption);
            if (patients is < 1 or > 1_000_000)
            {
                await Console.Error.WriteLineAsync("hoopgate: --patients must be from 1 to 1000000");
                return 2;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            var runner = new DemoRunner(
                new DemoOptions
                {
                    Port = parse.GetValue(portOption),
                    AdminPort = parse.GetValue(adminPortOption),
                    Patients = patients,
                    InfoFile = parse.GetValue(infoOption)?.FullName,
                },
                Console.Out);
            return await runner.RunAsync(stop.Token);
        });
        return command;
    }
}
