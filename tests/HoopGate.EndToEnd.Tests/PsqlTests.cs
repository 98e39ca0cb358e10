using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>libpq's own client, psql, through the gateway.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PsqlTests(GatewayFixture fixture)
{
    private const string Psql = "/usr/bin/psql";

    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Psql_command_prints_the_result()
    {
        ProcessRunner.Result result = await RunPsqlAsync(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "select 1+1", _gateway.Uri()]).Within();

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Equal("2", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Psql_over_tls_with_verify_full_connects()
    {
        string uri = _gateway.Uri(sslmode: "verify-full") + "&sslrootcert=" + Uri.EscapeDataString(fixture.Cluster.Certificates.CaCertificatePath);
        ProcessRunner.Result result = await RunPsqlAsync(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "select current_user || ' ' || 3*7", uri]).Within();

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Equal("hg_app 21", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Psql_script_on_stdin_with_copy_from_stdin_loads_the_rows()
    {
        string table = GatewayFixture.UniqueName("psql_copy");
        string script = $"""
            CREATE TABLE {table} (id int, name text);
            BEGIN;
            \copy {table} from stdin
            1	one
            2	two
            3	three
            \.
            INSERT INTO {table} VALUES (4, 'four');
            COMMIT;
            SELECT count(*) || ':' || sum(id) || ':' || string_agg(name, ',' ORDER BY id) FROM {table};
            DROP TABLE {table};

            """;

        ProcessRunner.Result result = await RunPsqlAsync(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", _gateway.Uri("hg_test")], script).Within();

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Equal("4:10:one,two,three,four", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Psql_error_stops_the_script_with_the_servers_message()
    {
        ProcessRunner.Result result = await RunPsqlAsync(
            ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-", _gateway.Uri()],
            "select 1/0;\nselect 'not reached';\n").Within();

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("division by zero", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("not reached", result.StandardOutput, StringComparison.Ordinal);
    }

    private static Task<ProcessRunner.Result> RunPsqlAsync(string[] arguments, string? standardInput = null) =>
        ProcessRunner.RunAsync(
            Psql,
            arguments,
            TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["PGPASSWORD"] = GatewayInstance.Password, ["PGCONNECT_TIMEOUT"] = "10" },
            standardInput);
}
