using System.CommandLine;
using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Cli;

/// <summary><c>hoopgate policy explain --policy FILE --groups a,b --sql "…"</c>.</summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var policyOption = new Option<FileInfo>("--policy")
        {
            Description = "The policy file",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(AppContext.BaseDirectory, "config", "policy.yaml")),
        };
        var groupsOption = new Option<string?>("--groups") { Description = "Comma-separated groups of the identity to judge for" };
        var sqlOption = new Option<string>("--sql") { Description = "The SQL string, as a client would send it", Required = true };

        var explain = new Command("explain", "Print what the analyser sees in a SQL string and what the policy decides for some groups")
        {
            policyOption, groupsOption, sqlOption,
        };
        explain.SetAction(async (parse, _) =>
        {
            FileInfo file = parse.GetValue(policyOption)!;
            PolicyLoadResult loaded = PolicyLoader.LoadFile(file.FullName);
            if (loaded.Snapshot is null)
            {
                foreach (string error in loaded.Errors)
                {
                    await Console.Error.WriteLineAsync(error);
                }

                return PolicyExplainer.InvalidPolicy;
            }

            try
            {
                SqlAnalyzer.EnsureAvailable();
            }
            catch (SqlParserUnavailableException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + ex.Message);
                return PolicyExplainer.InvalidPolicy;
            }

            string[] groups = (parse.GetValue(groupsOption) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return PolicyExplainer.Explain(loaded.Snapshot, groups, parse.GetValue(sqlOption)!, Console.Out);
        });

        return new Command("policy", "Work with the SQL policy file") { explain };
    }
}
