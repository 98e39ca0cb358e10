using System.CommandLine;
using HoopGate.Demo;

namespace HoopGate.Cli;

/// <summary><c>hoopgate sample-data [--patients N] [--output FILE]</c>: the sample clinic database as a SQL script.</summary>
internal static class SampleDataCommand
{
    public static Command Create()
    {
        var patientsOption = new Option<int>("--patients")
        {
            Description = "How many patients (each with three visits and a bill)",
            DefaultValueFactory = _ => SampleData.DefaultPatients,
        };
        var outputOption = new Option<FileInfo?>("--output") { Description = "Write the script here instead of to standard output" };
        var command = new Command("sample-data", "Print the SQL that creates the sample clinic schema with fictitious patients (load it with psql -f)")
        {
            patientsOption, outputOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int patients = parse.GetValue(patientsOption);
            if (patients < 1)
            {
                await Console.Error.WriteLineAsync("hoopgate: --patients must be at least 1");
                return 2;
            }

            string script = SampleData.Script(patients);
            if (parse.GetValue(outputOption) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, script, cancellationToken);
            }
            else
            {
                await Console.Out.WriteAsync(script);
            }

            return 0;
        });
        return command;
    }
}
