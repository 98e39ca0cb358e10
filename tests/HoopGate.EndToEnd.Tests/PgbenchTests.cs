using System.Text.RegularExpressions;
using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>pgbench through the gateway: initialization (COPY), then select-only load in every query mode.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class PgbenchTests(GatewayFixture fixture)
{
    private const string Pgbench = "/usr/bin/pgbench";
    private const string Database = "hg_test";

    private static readonly SemaphoreSlim s_initialization = new(1, 1);
    private static bool s_initialized;

    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Pgbench_initialization_loads_100000_accounts()
    {
        await InitializeAsync(force: true).Within(TimeSpan.FromSeconds(90));

        await using var connection = await _gateway.OpenAsync(Database).Within();
        Assert.Equal(100_000L, await connection.ScalarAsync<long>("SELECT count(*) FROM pgbench_accounts"));
        Assert.Equal(1L, await connection.ScalarAsync<long>("SELECT count(*) FROM pgbench_branches"));
        Assert.Equal(10L, await connection.ScalarAsync<long>("SELECT count(*) FROM pgbench_tellers"));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    [InlineData("prepared")]
    public async Task Pgbench_select_only_load_runs_without_errors(string protocol)
    {
        await InitializeAsync(force: false).Within(TimeSpan.FromSeconds(90));

        ProcessRunner.Result result = await RunPgbenchAsync(["-S", "-M", protocol, "-T", "3", "-c", "4", "-j", "2", "-n", _gateway.Uri(Database)]).Within(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Contains("query mode: " + protocol, result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(FailedZero(), result.StandardOutput);
        Assert.DoesNotContain("error", result.StandardError, StringComparison.OrdinalIgnoreCase);
        Match tps = Tps().Match(result.StandardOutput);
        Assert.True(tps.Success, result.Combined);
        double transactionsPerSecond = double.Parse(tps.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(transactionsPerSecond > 10, "tps " + transactionsPerSecond);
        Match processed = Processed().Match(result.StandardOutput);
        Assert.True(processed.Success && long.Parse(processed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, result.Combined);
    }

    private async Task InitializeAsync(bool force)
    {
        await s_initialization.WaitAsync().Within();
        try
        {
            if (s_initialized && !force)
            {
                return;
            }

            ProcessRunner.Result result = await RunPgbenchAsync(["-i", "-s", "1", "-q", _gateway.Uri(Database)]).Within(TimeSpan.FromSeconds(90));
            Assert.True(result.ExitCode == 0, result.Combined);
            Assert.Contains("done in", result.StandardError, StringComparison.Ordinal);
            s_initialized = true;
        }
        finally
        {
            s_initialization.Release();
        }
    }

    private static Task<ProcessRunner.Result> RunPgbenchAsync(string[] arguments) =>
        ProcessRunner.RunAsync(
            Pgbench,
            arguments,
            TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["PGPASSWORD"] = GatewayInstance.Password, ["PGCONNECT_TIMEOUT"] = "10" });

    [GeneratedRegex(@"number of failed transactions: 0 \(")]
    private static partial Regex FailedZero();

    [GeneratedRegex(@"^tps = ([0-9.]+) ", RegexOptions.Multiline)]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();
}
